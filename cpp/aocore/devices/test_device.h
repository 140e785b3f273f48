// test-device@1.0, the reference's test device: port of src/dev_test.erl (spec/core.md §5
// TEST_DEVICE, spec/process.md §4.1). A module device (keys map `-` to `_`, case-sensitive), so
// "test-func" and "test_func" reach test_func while "TEST_FUNC" falls through to message@1.0.
// Its info in the reference only has binary-keyed entries, which the resolver ignores, so it
// has none here.
//
// Keys implemented: test_func ("GOOD_FUNCTION"), init, compute, restore, snapshot, mul.
// Left for the process issue: update_state, increment_counter, delay, info.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include "aocore/ao/device.h"

namespace ao {

DevicePtr MakeTestDevice();

}  // namespace ao
