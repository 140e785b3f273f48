// B12: hot Eval("return 1+1") messages/s through @permaweb/ao-loader (the loader of the ao CU).
//
// usage: node --experimental-wasm-memory64 b12_eval.cjs <loader dir> <inputs.json> <mode> <n>
//   inputs.json: {"wasm": path, "format": str, "env": {...}, and either "messages": [...] (the
//                process message, the warm-up message, then at least n more, used as given) or
//                "process": {...}, "eval": {...} (the eval repeated with Nonce 1, 2, ...)}
//   mode "resident": handle(null, msg, env) with UNSAFE_MEMORY, the instance keeps its memory and
//                    no copy is made (the fastest ao-loader can go);
//   mode "cu":       as the CU calls it: the previous Memory passed in, a copy of it returned.
// Prints {"seconds": <the n messages>, "n": n} after one untimed warm-up message.
const fs = require('fs')
const path = require('path')

const [loaderDir, inputsPath, mode, count] = process.argv.slice(2)
const AoLoader = require(path.join(loaderDir, 'node_modules', '@permaweb', 'ao-loader'))
const inputs = JSON.parse(fs.readFileSync(inputsPath, 'utf8'))
const n = parseInt(count, 10)

async function main () {
  const handle = await AoLoader(fs.readFileSync(inputs.wasm), { format: inputs.format, UNSAFE_MEMORY: mode === 'resident' })
  const given = inputs.messages
  if (given && given.length < n + 2) throw new Error(`${given.length} messages, ${n + 2} needed`)
  const message = (i) => given ? given[i] : (i === 0 ? inputs.process : { ...inputs.eval, Nonce: i })
  let memory = (await handle(null, message(0), inputs.env)).Memory
  memory = (await handle(mode === 'cu' ? memory : null, message(1), inputs.env)).Memory
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const res = await handle(mode === 'cu' ? memory : null, message(i + 2), inputs.env)
    memory = res.Memory
    if (res.Error) throw new Error(JSON.stringify(res.Error))
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  console.log(JSON.stringify({ seconds, n }))
}

main().catch((e) => { console.error(e); process.exit(1) })
