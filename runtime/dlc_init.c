/*===- dlc_init.c - Parameter initializers and their random numbers ------===*
 *
 * See dlc_runtime.h. dlc_rt_create fills each parameter from its
 * descriptor's initializer with one generator seeded by the caller, so
 * that one seed gives one set of weights on every machine.
 *
 *===----------------------------------------------------------------------===*/

#include "dlc_libc.h"
#include "dlc_state.h"

/*===----------------------------------------------------------------------===*
 * Initializers (Keras semantics, PyTorch [out, in, ...] fans)
 *===----------------------------------------------------------------------===*/

/* splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough to
 * initialize weights reproducibly from a 64-bit seed. */
static uint64_t next_u64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/* Uniform on (0, 1). */
static double next_unit(uint64_t *x) {
  return ((double)(next_u64(x) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
/* Standard normal by Box-Muller. */
static double next_normal(uint64_t *x) {
  double u = next_unit(x), v = next_unit(x);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

void dlc_rt_init_param(const dlc_param_desc *p, float *dst, uint64_t *rng) {
  double fan_in = (double)p->fan_in, fan_out = (double)p->fan_out;
  double lo = 0, hi = 0, stddev = 0, mean = 0;
  int normal = 0, truncated = 0;
  switch (p->init) {
  case DLC_INIT_ZEROS:
  case DLC_INIT_ONES:
  case DLC_INIT_CONSTANT: {
    float v = p->init == DLC_INIT_ZEROS ? 0.0f
              : p->init == DLC_INIT_ONES ? 1.0f : (float)p->a;
    for (int64_t i = 0; i < p->numel; ++i)
      dst[i] = v;
    return;
  }
  case DLC_INIT_NORMAL: normal = 1; mean = p->a; stddev = p->b; break;
  case DLC_INIT_TRUNCATED_NORMAL:
    normal = truncated = 1; mean = p->a; stddev = p->b; break;
  case DLC_INIT_UNIFORM: lo = p->a; hi = p->b; break;
  case DLC_INIT_GLOROT_UNIFORM:
    hi = sqrt(6.0 / (fan_in + fan_out)); lo = -hi; break;
  case DLC_INIT_GLOROT_NORMAL: /* Keras: truncated, stddev corrected */
    normal = truncated = 1;
    stddev = sqrt(2.0 / (fan_in + fan_out)) / .87962566103423978; break;
  case DLC_INIT_HE_NORMAL:
    normal = truncated = 1;
    stddev = sqrt(2.0 / fan_in) / .87962566103423978; break;
  case DLC_INIT_HE_UNIFORM: hi = sqrt(6.0 / fan_in); lo = -hi; break;
  case DLC_INIT_LECUN_NORMAL:
    normal = truncated = 1;
    stddev = sqrt(1.0 / fan_in) / .87962566103423978; break;
  case DLC_INIT_LECUN_UNIFORM: hi = sqrt(3.0 / fan_in); lo = -hi; break;
  default: break;
  }
  for (int64_t i = 0; i < p->numel; ++i) {
    if (normal) {
      double z = next_normal(rng);
      while (truncated && (z < -2.0 || z > 2.0))
        z = next_normal(rng);
      dst[i] = (float)(mean + stddev * z);
    } else {
      dst[i] = (float)(lo + (hi - lo) * next_unit(rng));
    }
  }
}
