//===- DropArgumentChecks.cpp - Halide checks the host has made -----------===//

#include "KernelPipeline.h"

#include <set>
#include <string>

namespace dlc {
namespace halide {

namespace H = ::Halide;

/// Drops Halide's checks of a kernel's buffer arguments (type, rank,
/// alignment, non-null, covering the region read or written). The host
/// code builds every buffer a kernel sees from shapes it has checked
/// against the model already, so these can never fail; they were about
/// half the generated code and of `dlc compile`'s time. The checks that
/// can fail stay: the op's own requirements (class labels in range),
/// allocation sizes and running out of memory.
namespace {
class DropArgumentChecks : public H::Internal::IRMutator {
  using IRMutator::visit;

  H::Internal::Stmt visit(const H::Internal::AssertStmt *op) override {
    static const std::set<std::string> redundant = {
        "halide_error_bad_type",
        "halide_error_bad_dimensions",
        "halide_error_access_out_of_bounds",
        "halide_error_buffer_extents_negative",
        "halide_error_constraint_violated",
        "halide_error_constraints_make_required_region_smaller",
        "halide_error_unaligned_host_ptr",
        "halide_error_host_is_null",
        "halide_error_buffer_argument_is_null",
        "halide_error_explicit_bounds_too_small",
        "halide_error_device_dirty_with_no_device_support",
    };
    H::Expr message = op->message;
    while (auto *let = message.as<H::Internal::Let>())
      message = let->body;
    if (auto *call = message.as<H::Internal::Call>())
      if (redundant.count(call->name))
        return H::Internal::Evaluate::make(0);
    return IRMutator::visit(op);
  }
};
} // namespace

H::Internal::IRMutator *createDropArgumentChecks() { return new DropArgumentChecks; }

} // namespace halide
} // namespace dlc
