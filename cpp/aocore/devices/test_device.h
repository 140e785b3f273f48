// test-device@1.0, the reference's test device: port of src/dev_test.erl (spec/core.md §5
// TEST_DEVICE, spec/process.md §4.1). A module device (keys map `-` to `_`, case-sensitive), so
// "test-func" and "test_func" reach test_func while "TEST_FUNC" falls through to message@1.0.
// Its info in the reference only has binary-keyed entries, which the resolver ignores, so it
// has none here.
//
// Keys: test_func ("GOOD_FUNCTION"), init, compute, restore, snapshot, mul, update_state,
// increment_counter, delay, info (spec/process.md §4.1).
//   update_state / increment_counter  deliver {update, request} / {increment} to the "test
//       worker" registered under the request's `test-id` (the reference's hb_name ("test", ID)
//       lookup): here a callback registered with RegisterTestWorker. Errors as the reference:
//       "No test ID found in message.", "No test worker found." / "No test worker found for
//       increment.". The ok value is the test ID (the reference returns the worker's pid).
//   delay  sleeps base `duration`, else request `duration`, else 750 ms (integer ms), then
//       returns base `return`, else request `body`, else {result: "slept"}.
//   info   {status: 200, body: {description, version: "1.0", paths: {...}}}.
//
// Thread-safety: the device is stateless; the test-worker registry is mutex-protected.
#pragma once

#include <functional>
#include <string>

#include "aocore/ao/device.h"

namespace ao {

DevicePtr MakeTestDevice();

// What a test worker receives: "update" with the request, or "increment" (request empty).
using TestWorkerFn = std::function<void(std::string_view event, const Message& request)>;
// Registers (or replaces) the test worker for `test_id`; unregister with an empty function.
void RegisterTestWorker(const std::string& test_id, TestWorkerFn fn);

}  // namespace ao
