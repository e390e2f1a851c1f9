/*===- dlc_params.c - Parameters by name ---------------------------------===*
 *
 * See dlc_runtime.h. get_param and set_param copy one whole parameter
 * between the caller's buffer and the state, after checking the name and
 * the element count; nothing is copied on a refusal.
 *
 *===----------------------------------------------------------------------===*/

#include "dlc_libc.h"
#include "dlc_runtime.h"
#include "dlc_state.h"

/*===----------------------------------------------------------------------===*
 * Parameters by name
 *===----------------------------------------------------------------------===*/

int64_t dlc_rt_num_params(const dlc_model_desc *d) { return d->num_params; }

const char *dlc_rt_param_name(const dlc_model_desc *d, int64_t i) {
  return i >= 0 && i < d->num_params ? d->params[i].name : 0;
}

static const dlc_param_desc *find_param(const dlc_model_desc *d,
                                        const char *name, size_t len) {
  for (int64_t i = 0; i < d->num_params; ++i)
    if (strlen(d->params[i].name) == len &&
        memcmp(d->params[i].name, name, len) == 0)
      return &d->params[i];
  return 0;
}

int64_t dlc_rt_param_numel(const dlc_model_desc *d, const char *name) {
  const dlc_param_desc *p = name ? find_param(d, name, strlen(name)) : 0;
  return p ? p->numel : -1;
}

static int32_t param_access(const dlc_model_desc *d, dlc_state *s,
                            const char *fn, const char *name, const void *buf,
                            int64_t count, const dlc_param_desc **out) {
  if (!dlc_rt_check_state(d, s, fn))
    return DLC_RT_INVALID_ARGUMENT;
  if (!name)
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s_%s: `name` is NULL", d->name,
                fn);
  const dlc_param_desc *p = find_param(d, name, strlen(name));
  if (!p)
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s_%s: no parameter named '%s'",
                d->name, fn, name);
  if (!buf)
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s_%s: the buffer is NULL",
                d->name, fn);
  if (count != p->numel)
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT,
                "%s_%s: '%s' has %lld elements, not %lld", d->name, fn, name,
                (long long)p->numel, (long long)count);
  *out = p;
  return DLC_RT_OK;
}

int32_t dlc_rt_get_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, float *dst, int64_t count) {
  const dlc_param_desc *p;
  int32_t st = param_access(d, s, "get_param", name, dst, count, &p);
  if (st)
    return st;
  memcpy(dst, s->params + p->offset, (size_t)p->numel * 4);
  s->error[0] = 0;
  return DLC_RT_OK;
}

int32_t dlc_rt_set_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, const float *src, int64_t count) {
  const dlc_param_desc *p;
  int32_t st = param_access(d, s, "set_param", name, src, count, &p);
  if (st)
    return st;
  if (is_learning_rate(p) && !valid_learning_rate(src[0]))
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT,
                       "%s_set_param: the learning rate must be finite and >= 0, "
                       "got %g", d->name, (double)src[0]);
  memcpy(s->params + p->offset, src, (size_t)p->numel * 4);
  s->error[0] = 0;
  return DLC_RT_OK;
}
