// aocore._core.Wallet is bound once, in InitWallet (wallet_bindings.cc). Methods that belong to
// another concept's binding file are given to it through a Bind*Methods function below instead
// of being added to the class afterwards (see node_class.h).
//
// Thread-safety: call with the GIL held, at module import.
#pragma once

#include <pybind11/pybind11.h>

#include "aocore/crypto/wallet.h"

namespace ao::py_bindings {

// Wallet.sign_item (ans104_bindings.cc).
void BindWalletItemMethods(pybind11::class_<Wallet>& wallet);

}  // namespace ao::py_bindings
