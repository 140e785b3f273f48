// ResidentPages: which 4 KiB pages of a range of this process's memory may hold non-zero bytes,
// asked of the kernel instead of read. A checkpoint of an AOS linear memory (105 MiB, of which
// about 2 MiB is non-zero) otherwise reads every page to find the non-zero ones; most were
// never written, and the kernel knows that: an anonymous page that was never written has no
// page-table entry, or maps the shared zero page.
//
// Uses the PAGEMAP_SCAN ioctl of /proc/self/pagemap (Linux 6.7+). A page is a candidate unless
// it is anonymous and either unmapped or the zero page; swapped-out pages are candidates, and so
// is every page of a file-backed mapping (Wasmtime maps a module's data image copy-on-write from
// a memfd; PAGEMAP_SCAN does not report the pages of such a mapping that were never touched, so
// those mappings are read from /proc/self/maps).
// Candidates still have to be checked for zero by the caller; the answer is only ever a
// superset of the non-zero pages. nullopt when the kernel cannot answer (older kernel, no
// /proc, a range not page-aligned): the caller then reads every page, as before.
//
// Thread-safety: stateless; safe from any thread. Answers for the calling process (a forked
// child asks about its own memory: /proc/self/pagemap is opened per call).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace ao::wasm {

inline constexpr uint64_t kResidentPageSize = 4096;

// [begin, end) byte offsets from `data`, ascending and disjoint, each a multiple of 4 KiB (the
// last one may end at `len`), that may hold non-zero bytes; everything outside them is zero.
std::optional<std::vector<std::pair<uint64_t, uint64_t>>> MaybeNonZeroRanges(const void* data, uint64_t len);

}  // namespace ao::wasm
