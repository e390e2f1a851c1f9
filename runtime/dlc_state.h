/*===- dlc_state.h - The runtime's internal state and errors --------------===*
 *
 * Shared by the runtime's compilation units (dlc_state.c: create, destroy
 * and errors; dlc_init.c: initializers; dlc_params.c: parameters by name;
 * dlc_safetensors.c: save and load; dlc_calls.c: entry calls and the
 * checks of the caller's data). Not part of any interface: the runtime's
 * symbols become internal in each model object. Include dlc_libc.h first.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DLC_STATE_H
#define DLC_STATE_H

#include "dlc_runtime.h"

#define DLC_STATE_MAGIC 0x646c6373746174ULL /* "dlcstat" */
#define DLC_ERROR_SIZE 512
/* safetensors caps its JSON header at 100 MB; so do we. */
#define DLC_MAX_HEADER (100ull * 1000 * 1000)
#define DLC_MAX_RANK 8 /* dims kept for messages */
#define DLC_LONG_MAX 0x7fffffffffffffffL /* LP64 */

struct dlc_state {
  uint64_t magic;
  const dlc_model_desc *desc;
  float *params;
  void *arena;
  int64_t arena_bytes;
  char error[DLC_ERROR_SIZE];
};

/* Formats the message into `s`'s error (if `s` is NULL, the calling
 * thread's create error: see dlc_rt_last_error) and returns `status`. */
int32_t dlc_rt_fail(dlc_state *s, int32_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether `s` is a live state of model `d`; else sets the create error
 * ("<model>_<fn>: the model is NULL", ...). */
int dlc_rt_check_state(const dlc_model_desc *d, dlc_state *s, const char *fn);

/* Fills parameter `p` at `dst` from its initializer, drawing from `rng`
 * (dlc_init.c). */
void dlc_rt_init_param(const dlc_param_desc *p, float *dst, uint64_t *rng);

/* The optimizer's learning rate (a parameter, so that checkpoints keep it
 * and schedules can set it): NaN, infinite or negative would silently
 * ruin every parameter at the next step. Checked by set_param and load. */
static inline int is_learning_rate(const dlc_param_desc *p) {
  return strcmp(p->name, "optimizer.learning_rate") == 0 && p->numel == 1;
}
static inline int valid_learning_rate(float v) { return v >= 0 && v - v == 0; }

/* Routes Halide's errors into a per-thread message (dlc_calls.c). */
void dlc_rt_install_error_handler(void);

#endif /* DLC_STATE_H */
