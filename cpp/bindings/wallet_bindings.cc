// Wallet and commitment bindings (aocore.Wallet, aocore.commit, aocore.verify).
#include <pybind11/pybind11.h>

namespace ao::py_bindings {
namespace py = pybind11;

void InitWallet(py::module_& m) {}

}  // namespace ao::py_bindings
