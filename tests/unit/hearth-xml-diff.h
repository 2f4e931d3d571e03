/* hearth-xml-diff.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Compares two XML documents node by node and returns the sorted paths of every
 * difference ("/domain/vcpu/@current", "/domain/devices/sound", "/domain/title/text()"),
 * or NULL-terminated empty list when they are the same. Whitespace-only text is
 * layout and is ignored; comments, CDATA, namespace declarations and attributes
 * in other namespaces are compared. */
GStrv hearth_xml_diff             (const char *before,
                                   const char *after);

/* The C14N (canonical XML 1.0, with comments) form of a document. */
char *hearth_xml_canonicalize     (const char *xml);

/* Asserts that the differences are exactly @expected (NULL-terminated, any order). */
void  hearth_xml_assert_diff      (const char         *before,
                                   const char         *after,
                                   const char * const *expected);

G_END_DECLS
