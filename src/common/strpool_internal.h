// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the string pool that only the tests use: what it holds.
#pragma once

#include "strpool.h"

/* Distinct strings held, and the references to them. */
guint strpool_size(const StrPool *pool);
guint64 strpool_refs(const StrPool *pool);
