/* Status codes of the C interface of every resnetc-generated model (NAME_c.h). Plain C. */
#ifndef RNC_STATUS_H
#define RNC_STATUS_H

typedef enum rnc_status {
  RNC_OK = 0,
  RNC_ERROR_NULL_ARGUMENT = 1,       /* a required pointer was NULL */
  RNC_ERROR_WEIGHTS_UNREADABLE = 2,  /* the weights file is missing, unreadable or not a file */
  RNC_ERROR_WEIGHTS_OTHER_MODEL = 3, /* the blob was made for another model or other options */
  RNC_ERROR_WEIGHTS_CORRUPT = 4,     /* not a blob, truncated, or modified (checksum) */
  RNC_ERROR_BUFFER_SIZE = 5,         /* a buffer's float count differs from the model's */
  RNC_ERROR_UNSUPPORTED_CPU = 6,     /* the CPU lacks the instruction set the model was built for */
  RNC_ERROR_INVALID_ARGUMENT = 7,    /* e.g. a thread count out of range */
  RNC_ERROR_OUT_OF_MEMORY = 8,
  RNC_ERROR_INTERNAL = 9 /* a bug: please report it with NAME_last_error() */
} rnc_status;

#endif /* RNC_STATUS_H */
