// aocore._core._Node, the native node class, is bound once, in InitNode (node_bindings.cc). Its
// methods come from several binding files, one concept each; each file gives them to InitNode
// through a Bind*Methods function below instead of adding attributes to the class afterwards,
// so no file depends on the order of the Init calls in module.cc.
//
// Thread-safety: call with the GIL held, at module import.
#pragma once

#include <pybind11/pybind11.h>

#include "aocore/node/node.h"

namespace ao::py_bindings {

using NodeClass = pybind11::classh<Node>;

// Node.set/keys/remove/resolve_many/call_many/get_as/info/is_exported/private_get/private_set
// (engine_bindings.cc).
void BindEngineMethods(NodeClass& node);
// Node.resolve_path and Node._serve (http_bindings.cc).
void BindHttpMethods(NodeClass& node);
// Node.monitor and Node.monitors (messaging_bindings.cc).
void BindMessagingMethods(NodeClass& node);

}  // namespace ao::py_bindings
