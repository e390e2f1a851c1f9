/*===- dlc_runtime.h - The runtime linked into every dlc model ------------===*
 *
 * Internal interface between the code dlc generates and the runtime library.
 * Users never include this file: they include the header `dlc compile`
 * writes, whose functions are thin wrappers over these.
 *
 * The runtime is compiled to LLVM bitcode once per target when dlc is built
 * (freestanding: it declares the few libc functions it calls in
 * dlc_libc.h), embedded in dlc, and linked into each model object, where all
 * of its symbols become internal. Two models in one program therefore share
 * nothing but the Halide runtime (whose symbols are weak).
 *
 * The descriptor structs are emitted by lib/Target/Object/ModelDescriptor.cpp
 * as LLVM constants; every field is 8 bytes wide so that both sides agree on
 * the layout without padding rules. Keep the two in sync.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DLC_RUNTIME_H
#define DLC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* Status codes; the generated header repeats them as `dlc_status`. */
enum {
  DLC_RT_OK = 0,
  DLC_RT_INVALID_ARGUMENT = 1, /* NULL pointer, dim <= 0, unknown name... */
  DLC_RT_OUT_OF_MEMORY = 2,
  DLC_RT_IO = 3,               /* a file could not be opened/read/written */
  DLC_RT_FORMAT = 4,           /* a malformed safetensors file */
  DLC_RT_MISMATCH = 5,         /* well-formed, but not this model's weights */
  DLC_RT_KERNEL = 6            /* a kernel reported a failure */
};

/* Initializers, in the order of dl::Initializer (DLDialect.td). */
enum {
  DLC_INIT_ZEROS, DLC_INIT_ONES, DLC_INIT_CONSTANT, DLC_INIT_NORMAL,
  DLC_INIT_UNIFORM, DLC_INIT_TRUNCATED_NORMAL, DLC_INIT_GLOROT_UNIFORM,
  DLC_INIT_GLOROT_NORMAL, DLC_INIT_HE_NORMAL, DLC_INIT_HE_UNIFORM,
  DLC_INIT_LECUN_NORMAL, DLC_INIT_LECUN_UNIFORM
};

enum {
  DLC_PARAM_TRAINABLE = 1,
  /* Training state (optimizer moments, step, learning rate, RNG seed):
   * saved in checkpoints, optional when loading weights. */
  DLC_PARAM_STATE = 2
};

/* One parameter: `numel` f32 values at `offset` (in elements) of the
 * parameter store. `a`/`b` are the initializer's arguments: value, or
 * mean/stddev, or minval/maxval. */
typedef struct dlc_param_desc {
  const char *name;
  const int64_t *dims;
  int64_t rank;
  int64_t numel;
  int64_t offset;
  int64_t init;
  int64_t flags;                  /* DLC_PARAM_TRAINABLE | DLC_PARAM_STATE */
  int64_t fan_in;
  int64_t fan_out;
  double a;
  double b;
} dlc_param_desc;

/* One entry point (forward, loss): the names used in error messages. */
typedef struct dlc_entry_desc {
  const char *name;               /* e.g. "fashion_mlp_forward" */
  int64_t num_symbols;            /* run-time dims, e.g. batch */
  const char *const *symbols;
  int64_t num_args;               /* inputs then outputs */
  const char *const *args;
  int64_t num_kernels;
  const char *const *kernels;     /* "dl.matmul at mlp.dl:14:13" */
} dlc_entry_desc;

typedef struct dlc_model_desc {
  const char *name;
  int64_t num_params;
  const dlc_param_desc *params;
  int64_t param_elems;            /* size of the parameter store */
  int64_t num_entries;
  const dlc_entry_desc *entries;
} dlc_model_desc;

typedef struct dlc_state dlc_state;

int32_t dlc_rt_create(const dlc_model_desc *d, dlc_state **out, uint64_t seed);
void dlc_rt_destroy(const dlc_model_desc *d, dlc_state *s);
const char *dlc_rt_last_error(const dlc_model_desc *d, const dlc_state *s);
int32_t dlc_rt_set_num_threads(int32_t n);

/* Entry calls: begin checks the state, the run-time dims and the argument
 * pointers and grows the arena to `arena_bytes` (-1: too large); end turns a
 * kernel's non-zero result into a message naming the kernel. */
int32_t dlc_rt_begin_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                          const int64_t *symbols, void *const *args,
                          int64_t arena_bytes);
float *dlc_rt_params(dlc_state *s);
void *dlc_rt_arena(dlc_state *s);
int32_t dlc_rt_end_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                        int32_t kernel_status, int64_t kernel);

int64_t dlc_rt_num_params(const dlc_model_desc *d);
const char *dlc_rt_param_name(const dlc_model_desc *d, int64_t i);
int64_t dlc_rt_param_numel(const dlc_model_desc *d, const char *name);
int32_t dlc_rt_get_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, float *dst, int64_t count);
int32_t dlc_rt_set_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, const float *src, int64_t count);
int32_t dlc_rt_load_buffer(const dlc_model_desc *d, dlc_state *s,
                           const void *data, int64_t size);
int32_t dlc_rt_load(const dlc_model_desc *d, dlc_state *s, const char *path);
int32_t dlc_rt_save(const dlc_model_desc *d, dlc_state *s, const char *path);

#endif /* DLC_RUNTIME_H */
