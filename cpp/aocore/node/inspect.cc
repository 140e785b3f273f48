#include "aocore/node/inspect.h"

#include "aocore/cache/process_cache.h"
#include "aocore/store/keys.h"

namespace ao {

Result<std::vector<ProcessSummary>> SummarizeProcesses(Node& node) {
  AO_ASSIGN_OR_RETURN(Node::Operation op, node.Enter());
  Store& store = node.store();
  AO_ASSIGN_OR_RETURN(NodeType type, store.Type("assignments"));
  std::vector<ProcessSummary> out;
  if (type == NodeType::kNotFound) return out;
  AO_ASSIGN_OR_RETURN(std::vector<std::string> ids, store.List("assignments"));
  for (std::string& id : ids) {
    ProcessSummary s;
    s.process_id = std::move(id);
    AO_ASSIGN_OR_RETURN(s.assigned_slot, LatestSlot(store, "assignments/" + s.process_id));
    AO_ASSIGN_OR_RETURN(std::optional<CachedState> computed, node.process_cache().Latest(s.process_id));
    if (computed) s.computed_slot = computed->slot;
    AO_ASSIGN_OR_RETURN(std::optional<CachedState> snapshot,
                        node.process_cache().Latest(s.process_id, {"snapshot"}));
    if (snapshot) s.snapshot_slot = snapshot->slot;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace ao
