/*===- dlc_calls.c - Entry calls and the checks of the caller's data -----===*
 *
 * See dlc_runtime.h. The host code of every entry point calls
 * dlc_rt_begin_call, then the checks below on the caller's data, then the
 * kernels, and dlc_rt_end_call on a kernel's failure. Every check runs
 * before the first kernel, so a call it refuses changes nothing.
 *
 *===----------------------------------------------------------------------===*/

#include "dlc_libc.h"
#include "dlc_runtime.h"
#include "dlc_state.h"

/* From the Halide runtime linked into the same object. */
typedef void (*halide_error_handler_t)(void *, const char *);
halide_error_handler_t halide_set_error_handler(halide_error_handler_t handler);

/* Halide's default error handler prints and aborts; a library must not.
 * Ours keeps the message (per thread) for the failing call's error. */
static _Thread_local char halide_message[256];

static void record_halide_error(void *user_context, const char *msg) {
  (void)user_context;
  snprintf(halide_message, sizeof halide_message, "%s", msg);
  size_t n = strlen(halide_message);
  while (n > 0 && (halide_message[n - 1] == '\n' || halide_message[n - 1] == ' '))
    halide_message[--n] = 0;
}

void dlc_rt_install_error_handler(void) {
  halide_set_error_handler(record_halide_error);
}

/*===----------------------------------------------------------------------===*
 * Entry calls
 *===----------------------------------------------------------------------===*/

int32_t dlc_rt_begin_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                          const int64_t *symbols, void *const *args,
                          int64_t arena_bytes) {
  const dlc_entry_desc *e = &d->entries[entry];
  if (!dlc_rt_check_state(d, s, e->name + strlen(d->name) + 1))
    return DLC_RT_INVALID_ARGUMENT;
  s->error[0] = 0;
  halide_message[0] = 0;
  for (int64_t i = 0; i < e->num_symbols; ++i)
    /* Halide indexes each dim with int32. */
    if (symbols[i] <= 0 || symbols[i] > 0x7fffffff)
      return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT,
                  "%s: %s = %lld is out of range (1 to 2147483647)", e->name,
                  e->symbols[i], (long long)symbols[i]);
  for (int64_t i = 0; i < e->num_args; ++i)
    if (!args[i])
      return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s: `%s` is NULL", e->name,
                  e->args[i]);
  if (arena_bytes < 0)
    return dlc_rt_fail(s, DLC_RT_OUT_OF_MEMORY,
                "%s: the intermediate tensors for these dims exceed the "
                "address space", e->name);
  if (arena_bytes > s->arena_bytes) {
    void *arena = 0;
    if (posix_memalign(&arena, 64, (size_t)arena_bytes) != 0)
      return dlc_rt_fail(s, DLC_RT_OUT_OF_MEMORY,
                  "%s: out of memory for a %lld-byte arena", e->name,
                  (long long)arena_bytes);
    free(s->arena);
    s->arena = arena;
    s->arena_bytes = arena_bytes;
  }
  return DLC_RT_OK;
}

float *dlc_rt_params(dlc_state *s) { return s->params; }
void *dlc_rt_arena(dlc_state *s) { return s->arena; }

int32_t dlc_rt_end_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                        int32_t kernel_status, int64_t kernel) {
  const dlc_entry_desc *e = &d->entries[entry];
  if (kernel_status == 0)
    return DLC_RT_OK;
  const char *what = kernel >= 0 && kernel < e->num_kernels
                         ? e->kernels[kernel] : "a kernel";
  /* halide_error_code_requirement_failed: a run-time check of the op's
   * semantics, such as a class label outside [0, C). */
  if (halide_message[0])
    return dlc_rt_fail(s, DLC_RT_KERNEL, "%s: %s failed: %s", e->name, what,
                halide_message);
  return dlc_rt_fail(s, DLC_RT_KERNEL, "%s: %s failed (Halide error %d)", e->name,
              what, (int)kernel_status);
}

/*===----------------------------------------------------------------------===*
 * Checks of the caller's data, made by the host code before any kernel runs
 *===----------------------------------------------------------------------===*/

int32_t dlc_rt_dims_differ(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                           const char *what, int64_t a, int64_t b) {
  return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s: %s, got %lld and %lld",
              d->entries[entry].name, what, (long long)a, (long long)b);
}

int32_t dlc_rt_check_indices(const dlc_model_desc *d, dlc_state *s,
                             int64_t entry, const char *input, const char *op,
                             const void *data, const int64_t *dims,
                             int64_t rank, int32_t bits, int64_t lo,
                             int64_t limit) {
  int64_t count = 1;
  for (int64_t i = 0; i < rank; ++i)
    count *= dims[i];
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = bits == 64 ? ((const int64_t *)data)[i]
                           : (int64_t)((const int32_t *)data)[i];
    if (v >= lo && v < limit)
      continue;
    /* The position as an index per dim, innermost last. */
    char at[160];
    size_t n = 0;
    int64_t rest = i;
    int64_t pos[DLC_MAX_RANK];
    for (int64_t k = rank - 1; k >= 0; --k) {
      if (k < DLC_MAX_RANK)
        pos[k] = dims[k] ? rest % dims[k] : 0;
      rest = dims[k] ? rest / dims[k] : 0;
    }
    at[0] = 0;
    for (int64_t k = 0; k < rank && k < DLC_MAX_RANK && n < sizeof at; ++k)
      n += (size_t)snprintf(at + n, sizeof at - n, "%s%lld", k ? ", " : "",
                            (long long)pos[k]);
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT,
                "%s: %s[%s] = %lld is out of range [%lld, %lld) (%s)",
                d->entries[entry].name, input, at, (long long)v, (long long)lo,
                (long long)limit, op);
  }
  return DLC_RT_OK;
}

int32_t dlc_rt_check_loss(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                          const float *loss) {
  float v = *loss;
  if (v - v == 0.0f) /* finite: NaN and inf give NaN */
    return DLC_RT_OK;
  return dlc_rt_fail(s, DLC_RT_NON_FINITE,
              "%s: the loss is %s; the parameters and optimizer state are "
              "unchanged (check the inputs and the learning rate)",
              d->entries[entry].name,
              v != v ? "NaN" : v > 0 ? "+inf" : "-inf");
}
