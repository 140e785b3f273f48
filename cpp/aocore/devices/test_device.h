// test-device@1.0, the reference's test device (port of dev_test; notes:
// docs/devices.md#test-device). A module device: "test-func" and "test_func" reach test_func,
// "TEST_FUNC" falls through to message@1.0. Keys: test_func, init, compute, restore, snapshot,
// mul, update_state, increment_counter (to the test worker registered under `test-id`), delay,
// info.
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
