/* Hostile safetensors files against a compiled model (the Fashion-MNIST MLP,
 * examples/fashion_mnist/mlp.dl): a valid checkpoint cut at every length
 * of its header and at steps through its data, every byte of its length
 * field and header overwritten with several values, and hand-written
 * headers that break one rule each (repeated keys, bad JSON, bad metadata,
 * gaps and overlaps in the offsets, bad padding, bad header sizes) or that
 * are valid in unusual ways (escaped names, odd whitespace, any order).
 * Every rejected load must return FORMAT or MISMATCH (IO for a directory)
 * with a message, and leave all 15 parameters bit-identical; every
 * accepted one must load the right bytes. Also: two threads whose creates
 * and NULL-model calls fail at once each read their own message.
 *
 *   safetensors_sweep DIR   (built with ASan and UBSan by
 *                            safetensors-sweep.test) */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fashion_mlp.h"

static int failures = 0;
static size_t total;     /* elements of all parameters */
static float *snap;      /* all parameters, as they must be */
static float *scratch;

static void take(fashion_mlp_model *m, float *dst) {
  for (int64_t i = 0; i < fashion_mlp_num_params(); ++i) {
    const char *name = fashion_mlp_param_name(i);
    int64_t n = fashion_mlp_param_numel(name);
    if (fashion_mlp_get_param(m, name, dst, n) != DLC_OK)
      abort();
    dst += n;
  }
}

static int unchanged(fashion_mlp_model *m) {
  take(m, scratch);
  return memcmp(snap, scratch, total * sizeof(float)) == 0;
}

#define ANY_FAILURE (-1) /* DLC_ERROR_FORMAT or DLC_ERROR_MISMATCH */

/* Loads `len` bytes. A failure must be the one wanted (`needle` in the
 * message, if given) and change nothing; a success becomes the new
 * snapshot. Returns whether all held. */
static int check(fashion_mlp_model *m, const char *what, const void *buf,
                 size_t len, int want, const char *needle, int verbose) {
  int32_t st = fashion_mlp_load_buffer(m, buf, (int64_t)len);
  char msg[1024]; /* a copy: get_param clears the model's message */
  snprintf(msg, sizeof msg, "%s", fashion_mlp_last_error(m));
  int ok = 1;
  if (want == DLC_OK) {
    if (st != DLC_OK || msg[0]) {
      printf("FAIL %s: rejected (%d): %s\n", what, st, msg);
      ok = 0;
    } else {
      take(m, snap);
    }
  } else {
    if (st == DLC_OK) {
      printf("FAIL %s: accepted\n", what);
      take(m, snap);
      ok = 0;
    } else if (want == ANY_FAILURE ? st != DLC_ERROR_FORMAT &&
                                         st != DLC_ERROR_MISMATCH
                                   : st != want) {
      printf("FAIL %s: status %d (want %d): %s\n", what, st, want, msg);
      ok = 0;
    } else if (!msg[0] || (needle && !strstr(msg, needle))) {
      printf("FAIL %s: message \"%s\" lacks \"%s\"\n", what, msg,
             needle ? needle : "anything");
      ok = 0;
    }
    if (st != DLC_OK && !unchanged(m)) {
      printf("FAIL %s: a rejected load changed the parameters\n", what);
      ok = 0;
      take(m, snap);
    }
  }
  if (ok && verbose)
    printf("ok   %s: %s\n", what, st ? msg : "DLC_OK");
  failures += !ok;
  return ok;
}

/* ---- the whole checkpoint, cut and overwritten ------------------------ */

static void sweep_checkpoint(fashion_mlp_model *m, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
  if (fashion_mlp_save(m, path) != DLC_OK) {
    printf("FAIL save: %s\n", fashion_mlp_last_error(m));
    ++failures;
    return;
  }
  FILE *f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  size_t len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *file = malloc(len);
  if (fread(file, 1, len, f) != len)
    abort();
  fclose(f);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = n << 8 | file[i];
  size_t head = 8 + (size_t)n; /* length field and header */
  printf("checkpoint: %zu bytes, header %llu\n", len, (unsigned long long)n);
  check(m, "the checkpoint itself", file, len, DLC_OK, NULL, 1);
  if (!unchanged(m)) {
    printf("FAIL: loading the model's own checkpoint changed it\n");
    ++failures;
  }

  /* Cut: at every length through the header and a little beyond, then in
   * steps through the data, and just short of the end. Each copy is
   * exactly `cut` bytes long, so that ASan sees any read past it. */
  int cuts = 0, cut_ok = 0;
  for (size_t cut = 0; cut < len; ++cut) {
    if (cut > head + 64 && cut % 1009 != 0 && cut + 8 < len)
      continue;
    unsigned char *copy = malloc(cut ? cut : 1);
    memcpy(copy, file, cut);
    char what[64];
    snprintf(what, sizeof what, "cut at %zu", cut);
    cut_ok += check(m, what, copy, cut, ANY_FAILURE, NULL, 0);
    ++cuts;
    free(copy);
  }
  printf("cut: %d of %d lengths rejected cleanly\n", cut_ok, cuts);

  /* Overwrite each byte of the length field and header. No single-byte
   * change makes another valid file of this model: names and shapes are
   * exact, and the offsets must tile the data. */
  static const int values[] = {-0xff, -0x01, ' ', 0, '"', '0', '\\', '{'};
  int flips = 0, flip_ok = 0;
  unsigned char *copy = malloc(len);
  memcpy(copy, file, len);
  for (size_t i = 0; i < head; ++i) {
    for (size_t v = 0; v < sizeof values / sizeof *values; ++v) {
      unsigned char b = values[v] < 0 ? (unsigned char)(file[i] ^ -values[v])
                                      : (unsigned char)values[v];
      if (b == file[i])
        continue;
      copy[i] = b;
      char what[64];
      snprintf(what, sizeof what, "byte %zu set to 0x%02x", i, b);
      flip_ok += check(m, what, copy, len, ANY_FAILURE, NULL, 0);
      ++flips;
    }
    copy[i] = file[i];
  }
  printf("overwrite: %d of %d changes rejected cleanly\n", flip_ok, flips);
  check(m, "the checkpoint again", file, len, DLC_OK, NULL, 1);
  free(copy);
  free(file);
}

/* ---- hand-written headers over the four weights ------------------------ */

#define W1 "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[0,401408]}"
#define B1 "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[401408,401920]}"
#define W2 "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401920,407040]}"
#define B2 "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}"
#define DATA 407080
#define ALL W1 "," B1 "," W2 "," B2
#define META(m) "{\"__metadata__\":" m "," ALL "}"
#define ALL_LEN (sizeof("{" ALL "}") - 1)

typedef struct hostile {
  const char *what;
  const char *header;
  size_t header_len;   /* 0: strlen(header) */
  uint64_t claimed;    /* the length field; 0: header_len */
  int64_t data;        /* bytes of data; 0: DATA */
  int want;            /* a dlc_status or ANY_FAILURE */
  const char *needle;  /* in the message */
  int64_t at[4];       /* accepted: where fc1.weight, fc1.bias, fc2.weight,
                          fc2.bias begin; {0} means the usual layout */
} hostile;

#define NUL_HEADER(s) s, sizeof(s) - 1

static const hostile cases[] = {
  /* valid in unusual ways */
  {"escaped names", "{\"fc1\\u002eweight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[0,401408]},"
   "\"fc1.b\\u0069as\":{\"dtype\":\"F\\u0033\\u0032\",\"shape\":[128],\"data_offsets\":[401408,401920]},"
   "\"fc2\\u002Eweight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401920,407040]},"
   "\"\\u0066c2.bias\":{\"d\\u0074ype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}",
   0, 0, 0, DLC_OK, NULL, {0}},
  {"escapes and UTF-8 in metadata", META("{\"path\":\"a\\/b\",\"note\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\t\\n\",\"raw\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}"),
   0, 0, 0, DLC_OK, NULL, {0}},
  {"empty metadata", META("{}"), 0, 0, 0, DLC_OK, NULL, {0}},
  {"whitespace between tokens", "{ \n\t\"fc1.weight\" :\r\n{ \"dtype\" : \"F32\" , \"shape\" : [ 128 , 784 ] , \"data_offsets\" : [ 0 , 401408 ] } ,\n"
   B1 " , " W2 " ,\t" B2 "\r\n}", 0, 0, 0, DLC_OK, NULL, {0}},
  {"padded with spaces", "{" ALL "}       ", 0, 0, 0, DLC_OK, NULL, {0}},
  {"entries in reverse", "{" B2 "," W2 "," B1 "," W1 "}", 0, 0, 0, DLC_OK, NULL, {0}},
  {"data in another order", "{\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40]},"
   "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[40,401448]},"
   "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401448,406568]},"
   "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[406568,407080]}}",
   0, 0, 0, DLC_OK, NULL, {40, 406568, 401448, 0}},
  {"an unknown key in an entry", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F32\",\"extra\":{\"k\":[1,-2.5e3,{\"z\":null}],\"t\":true},"
   "\"shape\":[10],\"data_offsets\":[407040,407080]}}", 0, 0, 0, DLC_OK, NULL, {0}},

  /* repeated keys */
  {"shape twice", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128],\"shape\":[784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "\"shape\" appears twice", {0}},
  {"dtype twice, one escaped", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F32\",\"dtyp\\u0065\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}",
   0, 0, 0, DLC_ERROR_FORMAT, "appears twice", {0}},
  {"a tensor twice, once escaped", "{" ALL ",\"fc2\\u002ebias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}",
   0, 0, 0, DLC_ERROR_FORMAT, "appears twice", {0}},
  {"__metadata__ twice", "{\"__metadata__\":{},\"__metadata__\":{}," ALL "}", 0, 0, 0, DLC_ERROR_FORMAT, "appears twice", {0}},
  {"a metadata key twice", META("{\"a\":\"1\",\"a\":\"2\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "\"a\" appears twice", {0}},

  /* not JSON */
  {"metadata @@@", META("{\"a\":@@@}"), 0, 0, 0, DLC_ERROR_FORMAT, "expected a value", {0}},
  {"metadata tru", META("{\"a\":tru}"), 0, 0, 0, DLC_ERROR_FORMAT, "invalid literal", {0}},
  {"metadata NaN", META("{\"a\":NaN}"), 0, 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"metadata Infinity", META("{\"a\":Infinity}"), 0, 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"metadata -Infinity", META("{\"a\":-Infinity}"), 0, 0, 0, DLC_ERROR_FORMAT, "invalid number", {0}},
  {"metadata 0x10", META("{\"a\":0x10}"), 0, 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"metadata 01", META("{\"a\":01}"), 0, 0, 0, DLC_ERROR_FORMAT, "leading zero", {0}},
  {"a NUL byte in a string", NUL_HEADER(META("{\"a\":\"x\0y\"}")), 0, 0, DLC_ERROR_FORMAT, "control character", {0}},
  {"a NUL byte between tokens", NUL_HEADER("{" W1 ",\0" B1 "," W2 "," B2 "}"), 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"a raw tab in a string", META("{\"a\":\"x\ty\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "control character", {0}},
  {"escape \\q", META("{\"a\":\"\\q\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "invalid escape", {0}},
  {"escape \\x41", META("{\"a\":\"\\x41\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "invalid escape", {0}},
  {"short \\u", META("{\"a\":\"\\u12\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "4 hex digits", {0}},
  {"a lone high surrogate", META("{\"a\":\"\\ud800\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "surrogate", {0}},
  {"a lone low surrogate", META("{\"a\":\"\\udc00x\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "surrogate", {0}},
  {"invalid UTF-8 in a name", "{" W1 "," B1 "," W2 ",\"fc2.bias\xff\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}",
   0, 0, 0, DLC_ERROR_FORMAT, "UTF-8", {0}},
  {"an overlong '.' in a name", "{" W1 "," B1 "," W2 ",\"fc2\xc0\xae" "bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}",
   0, 0, 0, DLC_ERROR_FORMAT, "UTF-8", {0}},
  {"a UTF-8 surrogate in metadata", META("{\"a\":\"\xed\xa0\x80\"}"), 0, 0, 0, DLC_ERROR_FORMAT, "UTF-8", {0}},
  {"a trailing comma", "{" ALL ",}", 0, 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"a trailing comma in a shape", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784,],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"a comment", "{/*x*/" ALL "}", 0, 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"single quotes", "{'fc1.weight':{}}", 0, 0, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"unterminated", "{" W1 "," B1 "," W2 ",\"fc2.bias", 0, 0, 0, DLC_ERROR_FORMAT, "unterminated string", {0}},
  {"nested too deeply in an entry", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080],\"x\":"
   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}",
   0, 0, 0, DLC_ERROR_FORMAT, "nested too deeply", {0}},

  /* metadata of the wrong kind */
  {"metadata value a number", META("{\"a\":1}"), 0, 0, 0, DLC_ERROR_FORMAT, "\"a\" is not a string", {0}},
  {"metadata value true", META("{\"format\":\"pt\",\"b\":true}"), 0, 0, 0, DLC_ERROR_FORMAT, "\"b\" is not a string", {0}},
  {"metadata value null", META("{\"a\":null}"), 0, 0, 0, DLC_ERROR_FORMAT, "not a string", {0}},
  {"metadata value an object", META("{\"a\":{\"b\":\"c\"}}"), 0, 0, 0, DLC_ERROR_FORMAT, "not a string", {0}},
  {"metadata an array", META("[\"a\"]"), 0, 0, 0, DLC_ERROR_FORMAT, "not an object", {0}},
  {"metadata a string", META("\"pt\""), 0, 0, 0, DLC_ERROR_FORMAT, "not an object", {0}},

  /* numbers */
  {"a leading zero in a shape", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[0128,784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "leading zero", {0}},
  {"a leading zero in offsets", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[00,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "leading zero", {0}},
  {"a negative dim", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[-128,784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "non-negative integer", {0}},
  {"a fractional dim", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128.0,784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "non-negative integer", {0}},
  {"a dim with an exponent", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[1.28e2,784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "non-negative integer", {0}},
  {"a dim as a string", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[\"128\",784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "non-negative integer", {0}},
  {"an offset of 2^63", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[9223372036854775808,407080]}}",
   0, 0, 0, DLC_ERROR_FORMAT, "too large", {0}},
  {"a shape of 2^64 elements", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "64 bits", {0}},
  {"a shape of 2^62 elements", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,1073741824],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "64 bits", {0}},

  /* entries */
  {"an entry that is an array", "{\"fc1.weight\":[0,401408]," B1 "," W2 "," B2 "}", 0, 0, 0, DLC_ERROR_FORMAT, "not an object", {0}},
  {"three data_offsets", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[0,401408,5]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "not [begin, end]", {0}},
  {"one data_offset", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "not [begin, end]", {0}},
  {"data_offsets an object", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":{\"begin\":0}}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "not [begin, end]", {0}},
  {"no data_offsets", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "lacks", {0}},
  {"a shape that is a number", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":128,\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "not an array", {0}},
  {"a dtype that is a number", "{\"fc1.weight\":{\"dtype\":32,\"shape\":[128,784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_FORMAT, "not a string", {0}},
  {"an unknown dtype", "{\"fc1.weight\":{\"dtype\":\"F99\",\"shape\":[128,784],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}",
   0, 0, 0, DLC_ERROR_MISMATCH, "dtype F99", {0}},
  {"offsets that end before they begin", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407080,407040]}}",
   0, 0, 0, DLC_ERROR_FORMAT, "end before they begin", {0}},
  {"an escaped name the model lacks", "{" W1 "," B1 "," W2 ",\"fc2\\u002Ebiases\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}",
   0, 0, 0, DLC_ERROR_MISMATCH, "'fc2\\u002Ebiases' that the model does not", {0}},
  {"a name with \\u0000", "{" W1 "," B1 "," W2 ",\"fc2.bias\\u0000\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}",
   0, 0, 0, DLC_ERROR_MISMATCH, "that the model does not", {0}},
  {"a zero-size tensor", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[0,784],\"data_offsets\":[0,0]},"
   "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[0,512]},"
   "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[512,5632]},"
   "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[5632,5672]}}",
   0, 0, 5672, DLC_ERROR_MISMATCH, "shape [0,784] in the file", {0}},

  /* the data section */
  {"a gap between tensors", "{" W1 ",\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[401412,401924]},"
   "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401924,407044]},"
   "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407044,407084]}}",
   0, 0, DATA + 4, DLC_ERROR_FORMAT, "bytes 401408 to 401412 of the data section belong to no tensor", {0}},
  {"a gap at the start", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[4,401412]},"
   "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[401412,401924]},"
   "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401924,407044]},"
   "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407044,407084]}}",
   0, 0, DATA + 4, DLC_ERROR_FORMAT, "bytes 0 to 4", {0}},
  {"bytes after the last tensor", "{" ALL "}", 0, 0, DATA + 4, DLC_ERROR_FORMAT, "bytes 407080 to 407084", {0}},
  {"data short of the last tensor", "{" ALL "}", 0, 0, DATA - 4, DLC_ERROR_FORMAT, "ends at byte 407080", {0}},
  {"overlapping tensors", "{" W1 "," B1 ",\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401920,407040]},"
   "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407000,407040]}}",
   0, 0, 407040, DLC_ERROR_FORMAT, "overlap", {0}},
  {"two tensors at one place", "{" W1 ",\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[401408,401920]},"
   "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401920,407040]},"
   "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[401408,401448]}}",
   0, 0, 407040, DLC_ERROR_FORMAT, "overlap", {0}},
  {"no tensors", "{}", 0, 0, 0, DLC_ERROR_MISMATCH, "no tensor 'fc1.weight'", {0}},

  /* the header's frame */
  {"padded with a newline", "{" ALL "}\n", 0, 0, 0, DLC_ERROR_FORMAT, "only spaces", {0}},
  {"padded with a tab", "{" ALL "}  \t", 0, 0, 0, DLC_ERROR_FORMAT, "only spaces", {0}},
  {"padded with NULs", NUL_HEADER("{" ALL "}\0\0\0"), 0, 0, DLC_ERROR_FORMAT, "only spaces", {0}},
  {"a second object", "{" ALL "}{}", 0, 0, 0, DLC_ERROR_FORMAT, "trailing", {0}},
  {"a space before '{'", " {" ALL "}", 0, 0, 0, DLC_ERROR_FORMAT, "does not begin with '{'", {0}},
  {"a UTF-8 BOM", "\xef\xbb\xbf{" ALL "}", 0, 0, 0, DLC_ERROR_FORMAT, "does not begin with '{'", {0}},
  {"an array header", "[" ALL "]", 0, 0, 0, DLC_ERROR_FORMAT, "does not begin with '{'", {0}},
  {"an empty header", "", 0, 0, 0, DLC_ERROR_FORMAT, "does not begin with '{'", {0}},
  {"N = 2^64 - 1", "{" ALL "}", 0, UINT64_MAX, 0, DLC_ERROR_FORMAT, "exceeds the 100 MB limit", {0}},
  {"N = 2^63", "{" ALL "}", 0, UINT64_C(1) << 63, 0, DLC_ERROR_FORMAT, "exceeds the 100 MB limit", {0}},
  {"N = 100 MB + 1", "{" ALL "}", 0, 100000001, 0, DLC_ERROR_FORMAT, "exceeds the 100 MB limit", {0}},
  {"N past the end of the file", "{" ALL "}", 0, ALL_LEN + DATA + 1, 0, DLC_ERROR_FORMAT, "runs past the end", {0}},
  {"N one short", "{" ALL "}", 0, ALL_LEN - 1, 0, DLC_ERROR_FORMAT, "malformed", {0}},
  {"N one long", "{" ALL "}", 0, ALL_LEN + 1, 0, DLC_ERROR_FORMAT, NULL, {0}},
};

static void hostile_headers(fashion_mlp_model *m) {
  /* Distinct values, to see that an accepted load put each tensor's bytes
   * in the right place. */
  unsigned char *data = malloc(DATA + 8);
  for (size_t i = 0; i < (DATA + 8) / 4; ++i) {
    float v = (float)i * 0.25f - 1000.0f;
    memcpy(data + 4 * i, &v, 4);
  }
  static const char *names[4] = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};
  static const int64_t usual[4] = {0, 401408, 401920, 407040};
  static const int64_t numel[4] = {128 * 784, 128, 1280, 10};
  for (size_t c = 0; c < sizeof cases / sizeof *cases; ++c) {
    const hostile *h = &cases[c];
    size_t hl = h->header_len ? h->header_len : strlen(h->header);
    uint64_t n = h->claimed ? h->claimed : hl;
    size_t data_bytes = (size_t)(h->data ? h->data : DATA);
    size_t len = 8 + hl + data_bytes;
    unsigned char *file = malloc(len);
    for (int i = 0; i < 8; ++i)
      file[i] = (unsigned char)(n >> (8 * i));
    memcpy(file + 8, h->header, hl);
    memcpy(file + 8 + hl, data, data_bytes);
    if (check(m, h->what, file, len, h->want, h->needle, 1) &&
        h->want == DLC_OK) {
      const int64_t *at = h->at[0] || h->at[1] ? h->at : usual;
      for (int k = 0; k < 4; ++k) {
        float *got = malloc(numel[k] * sizeof(float));
        fashion_mlp_get_param(m, names[k], got, numel[k]);
        if (memcmp(got, data + at[k], numel[k] * sizeof(float)) != 0) {
          printf("FAIL %s: '%s' did not get its bytes\n", h->what, names[k]);
          ++failures;
        }
        free(got);
      }
    }
    free(file);
  }
  free(data);
}

/* ---- files that are not files, and threads ---------------------------- */

static void not_files(fashion_mlp_model *m, const char *dir) {
  int32_t st = fashion_mlp_load(m, dir);
  const char *msg = fashion_mlp_last_error(m);
  if (st != DLC_ERROR_IO || !strstr(msg, "cannot read")) {
    printf("FAIL load(a directory): %d: %s\n", st, msg);
    ++failures;
  } else {
    printf("ok   load(a directory): %s\n", msg);
  }
  if (!unchanged(m)) {
    printf("FAIL load(a directory) changed the parameters\n");
    ++failures;
  }
  st = fashion_mlp_load_buffer(m, NULL, 100);
  if (st != DLC_ERROR_INVALID_ARGUMENT) {
    printf("FAIL load_buffer(NULL): %d\n", st);
    ++failures;
  }
}

/* Each thread fails in its own way, many times, while the other does too;
 * last_error(NULL) must always be the thread's own message. */
static void *fail_creates(void *arg) {
  long bad = 0;
  for (int i = 0; i < 100000; ++i) {
    if (fashion_mlp_create(NULL, 1) != DLC_ERROR_INVALID_ARGUMENT ||
        strcmp(fashion_mlp_last_error(NULL), "fashion_mlp_create: `out` is NULL"))
      ++bad;
  }
  *(long *)arg = bad;
  return NULL;
}

static void *fail_null_calls(void *arg) {
  long bad = 0;
  for (int i = 0; i < 100000; ++i) {
    if (fashion_mlp_load(NULL, "x") != DLC_ERROR_INVALID_ARGUMENT ||
        strcmp(fashion_mlp_last_error(NULL), "fashion_mlp_load: the model is NULL"))
      ++bad;
  }
  *(long *)arg = bad;
  return NULL;
}

static void threads(void) {
  pthread_t a, b;
  long bad_a = 0, bad_b = 0;
  pthread_create(&a, NULL, fail_creates, &bad_a);
  pthread_create(&b, NULL, fail_null_calls, &bad_b);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  if (bad_a || bad_b) {
    printf("FAIL threads: %ld and %ld of 100000 messages were not the "
           "thread's own\n", bad_a, bad_b);
    ++failures;
  } else {
    printf("ok   threads: each read its own create error\n");
  }
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep every line if a check aborts */
  fashion_mlp_model *m = NULL;
  if (fashion_mlp_create(&m, 42) != DLC_OK)
    abort();
  total = 0;
  for (int64_t i = 0; i < fashion_mlp_num_params(); ++i)
    total += (size_t)fashion_mlp_param_numel(fashion_mlp_param_name(i));
  snap = malloc(total * sizeof(float));
  scratch = malloc(total * sizeof(float));
  take(m, snap);

  sweep_checkpoint(m, dir);
  hostile_headers(m);
  not_files(m, dir);
  threads();

  fashion_mlp_destroy(m);
  free(snap);
  free(scratch);
  printf("%s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
