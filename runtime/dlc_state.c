/*===- dlc_state.c - A model's state: create, destroy, errors ------------===*
 *
 * See dlc_runtime.h. Every function checks its arguments and reports a
 * status plus a message; no input, however malformed, makes it crash or
 * leaves the model's parameters half-written. This file owns the state's
 * lifetime and the per-thread create error (static here, with
 * dlc_rt_fail, dlc_rt_check_state and dlc_rt_last_error its only users).
 *
 *===----------------------------------------------------------------------===*/

#include "dlc_libc.h"
#include "dlc_runtime.h"
#include "dlc_state.h"

/* From the Halide runtime linked into the same object. */
int halide_set_num_threads(int n);

/* The message of the last failed create (or call on a NULL model), which
 * has no state to hold it: one per thread, so that threads failing at once
 * neither garble nor read each other's. Static: only this file's functions
 * touch it (a thread-local shared between the runtime's files would be
 * split across the object's parts). */
static _Thread_local char dlc_rt_create_error[DLC_ERROR_SIZE];

int32_t dlc_rt_fail(dlc_state *s, int32_t status, const char *fmt, ...) {
  char *buf = s ? s->error : dlc_rt_create_error;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, DLC_ERROR_SIZE, fmt, ap);
  va_end(ap);
  return status;
}

int dlc_rt_check_state(const dlc_model_desc *d, dlc_state *s, const char *fn) {
  if (!s) {
    snprintf(dlc_rt_create_error, DLC_ERROR_SIZE, "%s_%s: the model is NULL",
             d->name, fn);
    return 0;
  }
  if (s->magic != DLC_STATE_MAGIC || s->desc != d) {
    snprintf(dlc_rt_create_error, DLC_ERROR_SIZE,
             "%s_%s: not a %s model (created by another model's create, or "
             "destroyed)", d->name, fn, d->name);
    return 0;
  }
  return 1;
}

/*===----------------------------------------------------------------------===*
 * State
 *===----------------------------------------------------------------------===*/

int32_t dlc_rt_create(const dlc_model_desc *d, dlc_state **out,
                      uint64_t seed) {
  if (!out)
    return dlc_rt_fail(0, DLC_RT_INVALID_ARGUMENT, "%s_create: `out` is NULL",
                d->name);
  *out = 0;
  dlc_state *s = (dlc_state *)calloc(1, sizeof(dlc_state));
  if (!s)
    return dlc_rt_fail(0, DLC_RT_OUT_OF_MEMORY, "%s_create: out of memory",
                d->name);
  void *params = 0;
  size_t bytes = (size_t)(d->param_elems > 0 ? d->param_elems : 1) * 4;
  if (posix_memalign(&params, 64, bytes) != 0) {
    free(s);
    return dlc_rt_fail(0, DLC_RT_OUT_OF_MEMORY,
                "%s_create: out of memory for %lld parameter bytes", d->name,
                (long long)bytes);
  }
  dlc_rt_install_error_handler();
  s->magic = DLC_STATE_MAGIC;
  s->desc = d;
  s->params = (float *)params;
  uint64_t rng = seed;
  for (int64_t i = 0; i < d->num_params; ++i)
    dlc_rt_init_param(&d->params[i], s->params + d->params[i].offset, &rng);
  *out = s;
  return DLC_RT_OK;
}

void dlc_rt_destroy(const dlc_model_desc *d, dlc_state *s) {
  if (!s || s->magic != DLC_STATE_MAGIC || s->desc != d)
    return;
  s->magic = 0;
  free(s->params);
  free(s->arena);
  free(s);
}

const char *dlc_rt_last_error(const dlc_model_desc *d, const dlc_state *s) {
  if (s && s->magic == DLC_STATE_MAGIC && s->desc == d)
    return s->error;
  return dlc_rt_create_error;
}

int32_t dlc_rt_set_num_threads(int32_t n) {
  if (n < 0)
    return DLC_RT_INVALID_ARGUMENT;
  halide_set_num_threads(n);
  return DLC_RT_OK;
}
