// Messaging between processes from Python: node.monitor(process_id, every=0.5) (bound into
// _Node by InitNode through BindMessagingMethods) and the aocore._core._Monitor handle (cursor, running, ticks, failures, stop). push@1.0 and cron@1.0
// need no bindings of their own: they are devices, reached through node.resolve and
// Process.push.
#include <chrono>
#include <cmath>
#include <memory>

#include <pybind11/pybind11.h>

#include "aocore/node/node.h"
#include "aocore/node/process_monitor.h"
#include "errors.h"
#include "node_class.h"

namespace ao::py_bindings {
namespace py = pybind11;

void InitMessaging(py::module_& m) {
  py::classh<ProcessMonitor>(m, "_Monitor",
                             "A process monitor (use Node.monitor): pushes each new slot of a process;\n"
                             "its cursor (the last pushed slot) is persisted in the node's store.")
      .def_property_readonly("process_id", &ProcessMonitor::process_id)
      .def_property_readonly("cursor", &ProcessMonitor::cursor, "The last pushed slot (-1: none yet).")
      .def_property_readonly("running", &ProcessMonitor::running)
      .def_property_readonly("ticks", &ProcessMonitor::ticks, "Ticks handled so far.")
      .def_property_readonly("failures", &ProcessMonitor::failures, "Consecutive failed ticks (back-off).")
      .def_property_readonly("every", [](const ProcessMonitor& mon) { return mon.options().every.count() / 1000.0; },
                             "Seconds between ticks.")
      .def("stop", &ProcessMonitor::Stop, py::call_guard<py::gil_scoped_release>(),
           "Stops the ticker and the monitor and removes its persisted registration (a reopened\n"
           "node no longer restarts it; the cursor stays). No tick runs after it returns. Idempotent.")
      .def("__repr__", [](const ProcessMonitor& mon) {
        return "<aocore.Monitor " + mon.process_id() + " cursor=" + std::to_string(mon.cursor()) +
               (mon.running() ? " running>" : " stopped>");
      });
}

void BindMessagingMethods(NodeClass& node) {
  node.def(
      "monitor",
      [](Node& n, const std::string& process_id, double every, size_t page) {
        if (!(every > 0) || !std::isfinite(every)) {
          ThrowInvalidMessage("monitor: `every` must be a positive number of seconds");
        }
        MonitorOptions options;
        options.every = std::chrono::milliseconds(std::max<int64_t>(1, std::llround(every * 1000)));
        options.page = page;
        Result<std::shared_ptr<ProcessMonitor>> mon = [&] {
          py::gil_scoped_release release;
          return n.Monitor(process_id, options);
        }();
        return Unwrap(std::move(mon));
      },
      py::arg("process_id"), py::arg("every") = 0.5, py::arg("page") = 16,
      "Starts (or returns the running) monitor of a process: every `every` seconds it pushes\n"
      "the process's new slots (at most `page` per tick), resuming after the persisted\n"
      "cursor. The registration is persisted: a node reopening the store restarts the\n"
      "monitor until .stop(). Returns the monitor handle (.cursor, .running, .stop()).");
  node.def(
      "monitors",
      [](Node& n) {
        if (n.closed()) ThrowStatus(Status::Closed("the node is closed"));
        py::list out;
        for (std::shared_ptr<ProcessMonitor>& mon : n.Monitors()) out.append(py::cast(std::move(mon)));
        return out;
      },
      "The running monitors (also those restarted from the store when the node opened).");
}

}  // namespace ao::py_bindings
