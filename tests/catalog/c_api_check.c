/* c_api_check MODEL_WEIGHTS OTHER_BLOB TRUNCATED_BLOB TAMPERED_BLOB IN_NPY OUT_NPY
 *
 * Plain C against the generated C interface of e2e_general_form_avx2 (NAME_c.h): every error
 * code on its cause, then one successful run whose input and output are written as .npy so the
 * test script can compare them with the NAME program's output for the same input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_general_form_avx2_c.h"

#define M(fn) e2e_general_form_avx2_##fn
#define IN_FLOATS e2e_general_form_avx2_INPUT_FLOATS
#define OUT_FLOATS e2e_general_form_avx2_OUTPUT_FLOATS

static int failures = 0;

/* Checks a status and that the last error names `where` ("" for success). */
static void expect(const char* what, rnc_status got, rnc_status want, const char* where) {
  const char* message = M(last_error)();
  if (got != want) {
    printf("FAIL %s: status %d (%s), expected %d (%s); last error: %s\n", what, (int)got, M(status_string)(got),
           (int)want, M(status_string)(want), message);
    ++failures;
  } else if (want != RNC_OK && strstr(message, where) == NULL) {
    printf("FAIL %s: last error \"%s\" does not mention \"%s\"\n", what, message, where);
    ++failures;
  } else if (want == RNC_OK && message[0] != '\0') {
    printf("FAIL %s: success left the last error \"%s\"\n", what, message);
    ++failures;
  } else {
    printf("ok   %s: %s%s%s\n", what, M(status_string)(got), want != RNC_OK ? ": " : "", message);
  }
}

static void expect_create_fails(const char* what, const char* path, rnc_status want, const char* where) {
  M(model)* model = (M(model)*)&failures; /* must be reset to NULL */
  expect(what, M(create)(path, &model), want, where);
  if (model != NULL) {
    printf("FAIL %s: *model is not NULL after a failure\n", what);
    ++failures;
  }
}

static int write_npy(const char* path, const float* data, size_t count, const char* shape) {
  char header[128];
  int length = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape);
  while ((10 + length + 1) % 64 != 0) header[length++] = ' ';
  header[length++] = '\n';
  FILE* f = fopen(path, "wb");
  if (f == NULL) return 0;
  const unsigned char prefix[10] = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(length & 0xff), (unsigned char)(length >> 8)};
  int ok = fwrite(prefix, 1, 10, f) == 10 && fwrite(header, 1, (size_t)length, f) == (size_t)length &&
           fwrite(data, sizeof(float), count, f) == count;
  return fclose(f) == 0 && ok;
}

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: c_api_check WEIGHTS OTHER_BLOB TRUNCATED TAMPERED IN_NPY OUT_NPY\n");
    return 2;
  }
  const char *weights = argv[1], *other = argv[2], *truncated = argv[3], *tampered = argv[4];
  static float input[IN_FLOATS], output[OUT_FLOATS];
  for (size_t i = 0; i < IN_FLOATS; ++i) input[i] = (float)((i * 37 % 101) / 101.0 - 0.5);

  /* create: every way the weights can be wrong. */
  expect_create_fails("create without weights", NULL, RNC_ERROR_NULL_ARGUMENT, "weights_path is NULL");
  expect("create into NULL", M(create)(weights, NULL), RNC_ERROR_NULL_ARGUMENT, "NULL");
  expect_create_fails("create from a missing file", "/nonexistent/x.weights", RNC_ERROR_WEIGHTS_UNREADABLE,
                      "/nonexistent/x.weights");
  expect_create_fails("create from a directory", "/", RNC_ERROR_WEIGHTS_UNREADABLE, "cannot read");
  expect_create_fails("create from another model's blob", other, RNC_ERROR_WEIGHTS_OTHER_MODEL, "another model");
  expect_create_fails("create from a truncated blob", truncated, RNC_ERROR_WEIGHTS_CORRUPT, "truncated");
  expect_create_fails("create from a tampered blob", tampered, RNC_ERROR_WEIGHTS_CORRUPT, "checksum");
  setenv("RESNETC_ASSUME_CPU", "generic", 1); /* the model is built for avx2 */
  expect_create_fails("create on a CPU without avx2", weights, RNC_ERROR_UNSUPPORTED_CPU, "avx2");
  unsetenv("RESNETC_ASSUME_CPU");

  M(model)* model = NULL;
  expect("create", M(create)(weights, &model), RNC_OK, "");
  if (model == NULL) return 1;

  /* set_threads and run: NULL pointers, ranges and buffer sizes. */
  expect("set_threads(0)", M(set_threads)(model, 0), RNC_ERROR_INVALID_ARGUMENT, "threads is 0");
  expect("set_threads(1000000)", M(set_threads)(model, 1000000), RNC_ERROR_INVALID_ARGUMENT, "1..256");
  expect("set_threads(NULL)", M(set_threads)(NULL, 2), RNC_ERROR_NULL_ARGUMENT, "model is NULL");
  expect("run(NULL model)", M(run)(NULL, input, IN_FLOATS, output, OUT_FLOATS), RNC_ERROR_NULL_ARGUMENT, "model");
  expect("run(NULL input)", M(run)(model, NULL, IN_FLOATS, output, OUT_FLOATS), RNC_ERROR_NULL_ARGUMENT, "input");
  expect("run(NULL output)", M(run)(model, input, IN_FLOATS, NULL, OUT_FLOATS), RNC_ERROR_NULL_ARGUMENT, "output");
  expect("run(short input)", M(run)(model, input, IN_FLOATS - 1, output, OUT_FLOATS), RNC_ERROR_BUFFER_SIZE,
         "input_floats");
  expect("run(long output)", M(run)(model, input, IN_FLOATS, output, OUT_FLOATS + 1), RNC_ERROR_BUFFER_SIZE,
         "output_floats");

  /* A successful run on 2 threads (results do not depend on the count). */
  expect("set_threads(2)", M(set_threads)(model, 2), RNC_OK, "");
  expect("run", M(run)(model, input, IN_FLOATS, output, OUT_FLOATS), RNC_OK, "");
  M(destroy)(model);
  M(destroy)(NULL);

  /* Every status has its own description. */
  for (int a = RNC_OK; a <= RNC_ERROR_INTERNAL; ++a)
    for (int b = a + 1; b <= RNC_ERROR_INTERNAL + 1; ++b)
      if (strcmp(M(status_string)((rnc_status)a), M(status_string)((rnc_status)b)) == 0) {
        printf("FAIL status strings %d and %d are both \"%s\"\n", a, b, M(status_string)((rnc_status)a));
        ++failures;
      }

  if (!write_npy(argv[5], input, IN_FLOATS, "2, 3, 33, 29") || !write_npy(argv[6], output, OUT_FLOATS, "2, 7")) {
    printf("FAIL cannot write %s or %s\n", argv[5], argv[6]);
    return 1;
  }
  printf("%d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
