// Runs a scenario through @permaweb/ao-loader (the loader the ao CU uses) and prints, per step,
// the raw string the module returned, ao-loader's result without Memory, and the memory's size
// and sha256. Used by tests/test_aos_aoloader.py to compare aocore with ao-loader.
//
// usage: node --experimental-wasm-memory64 run_scenario.cjs <loader dir> <scenario.json>
//   scenario.json: {"wasm": path, "format": str, "env": JSON text, "messages": [JSON text]}
// The instance keeps its memory between steps (buffer = null), as a resident CU instance does.
const fs = require('fs')
const crypto = require('crypto')
const path = require('path')

const [loaderDir, scenarioPath] = process.argv.slice(2)
const AoLoader = require(path.join(loaderDir, 'node_modules', '@permaweb', 'ao-loader'))
const scenario = JSON.parse(fs.readFileSync(scenarioPath, 'utf8'))

// The module's raw result: ao-loader parses it with JSON.parse right after the call.
let lastRaw = null
const origParse = JSON.parse
JSON.parse = function (s, ...rest) {
  if (typeof s === 'string' && s.startsWith('{"ok"')) lastRaw = s
  return origParse.call(this, s, ...rest)
}

async function main () {
  const handle = await AoLoader(fs.readFileSync(scenario.wasm), { format: scenario.format })
  const env = origParse(scenario.env)
  const steps = []
  for (const text of scenario.messages) {
    lastRaw = null
    const step = {}
    try {
      const res = await handle(null, origParse(text), env)
      step.memoryBytes = res.Memory.byteLength
      step.memorySha256 = crypto.createHash('sha256').update(res.Memory).digest('hex')
      delete res.Memory
      step.result = res
    } catch (e) {
      step.thrown = String((e && e.message) || JSON.stringify(e))
    }
    step.raw = lastRaw
    steps.push(step)
  }
  process.stdout.write(JSON.stringify({ loader: require(path.join(loaderDir, 'node_modules', '@permaweb', 'ao-loader', 'package.json')).version, steps }))
}
main().catch((e) => { console.error(e); process.exit(1) })
