// patch@1.0 applies the PATCH messages found in a process's state (typically its outbox) to the
// state itself (port of dev_patch; notes: docs/devices.md#patch). Keys: init, normalize,
// snapshot (the base unchanged); compute, patches (merge the PATCH entries of the source into the
// target path); all (move the whole source to the target path). Source and target paths come
// from `patch-from`/`from` and `patch-to`/`to`.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include "aocore/ao/device.h"

namespace ao {

DevicePtr MakePatchDevice();

}  // namespace ao
