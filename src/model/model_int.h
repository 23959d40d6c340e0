/*
 * model_int: helpers shared by the files of src/model.
 */
#ifndef CACHET_MODEL_INT_H
#define CACHET_MODEL_INT_H

#include "model/model.h"

/*
 * Thread parents by input index into np[n] (MODEL_NONE for a root);
 * *order gets the input indexes in (date, id) order (owned).
 */
void model_thread_parents(const struct model_thread_in *in, size_t n,
    unsigned opts, uint32_t *np, uint32_t **order);

/*
 * "Re: [list] Re[2]: Fwd: subject" -> "subject", borrowed from s (NULL
 * is ""); *len 0 means nothing to join by.
 */
const char *model_subject_base(const char *s, uint32_t *len);

#endif
