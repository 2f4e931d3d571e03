/* hearth-xml-diff.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test"

#include "config.h"

#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hearth-xml-diff.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

static xmlDoc *
parse (const char *xml)
{
  xmlDoc *doc = xmlReadMemory (xml, strlen (xml), "test.xml", "UTF-8", XML_PARSE_NONET);

  g_assert_nonnull (doc);
  return doc;
}

static char *
qualified_name (const xmlChar *name,
                xmlNs         *ns)
{
  if (ns != NULL && ns->prefix != NULL)
    return g_strdup_printf ("%s:%s", ns->prefix, name);
  if (ns != NULL)
    return g_strdup_printf ("{%s}%s", ns->href, name);
  return g_strdup ((const char *) name);
}

/* Text and CDATA directly inside @node, concatenated; blank text is layout. */
static char *
own_text (xmlNode        *node,
          xmlElementType  type)
{
  GString *text = g_string_new (NULL);

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if (child->type != type && !(type == XML_TEXT_NODE && child->type == XML_CDATA_SECTION_NODE))
        continue;
      if (child->type == XML_TEXT_NODE && xmlIsBlankNode (child))
        continue;
      if (text->len > 0)
        g_string_append_c (text, '|');
      g_string_append (text, (const char *) child->content);
    }
  return g_string_free (text, FALSE);
}

static GHashTable *
attributes (xmlNode *node)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next)
    {
      xmlChar *value = xmlNodeListGetString (node->doc, attr->children, 1);

      g_hash_table_insert (table, qualified_name (attr->name, attr->ns),
                           g_strdup ((const char *) value));
      xmlFree (value);
    }
  for (xmlNs *ns = node->nsDef; ns != NULL; ns = ns->next)
    g_hash_table_insert (table,
                         ns->prefix ? g_strdup_printf ("xmlns:%s", ns->prefix) : g_strdup ("xmlns"),
                         g_strdup ((const char *) ns->href));
  return table;
}

static GPtrArray *
children_named (xmlNode    *node,
                const char *qname)
{
  GPtrArray *list = g_ptr_array_new ();

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *name = NULL;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      name = qualified_name (child->name, child->ns);
      if (g_str_equal (name, qname))
        g_ptr_array_add (list, child);
    }
  return list;
}

static void
collect_names (xmlNode   *node,
               GPtrArray *names)
{
  for (xmlNode *child = node ? node->children : NULL; child != NULL; child = child->next)
    {
      char *name;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      name = qualified_name (child->name, child->ns);
      if (g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
        g_free (name);
      else
        g_ptr_array_add (names, name);
    }
}

static void diff_lists (GPtrArray  *list_a,
                        GPtrArray  *list_b,
                        const char *path,
                        const char *name,
                        GPtrArray  *out);

static void
diff_elements (xmlNode    *a,
               xmlNode    *b,
               const char *path,
               GPtrArray  *out)
{
  g_autoptr(GHashTable) attrs_a = attributes (a);
  g_autoptr(GHashTable) attrs_b = attributes (b);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text_a = own_text (a, XML_TEXT_NODE);
  g_autofree char *text_b = own_text (b, XML_TEXT_NODE);
  g_autofree char *comments_a = own_text (a, XML_COMMENT_NODE);
  g_autofree char *comments_b = own_text (b, XML_COMMENT_NODE);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, attrs_a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (value, g_hash_table_lookup (attrs_b, key)) != 0)
      g_ptr_array_add (out, g_strdup_printf ("%s/@%s", path, (char *) key));
  g_hash_table_iter_init (&iter, attrs_b);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (attrs_a, key))
      g_ptr_array_add (out, g_strdup_printf ("%s/@%s", path, (char *) key));

  if (!g_str_equal (text_a, text_b))
    g_ptr_array_add (out, g_strdup_printf ("%s/text()", path));
  if (!g_str_equal (comments_a, comments_b))
    g_ptr_array_add (out, g_strdup_printf ("%s/comment()", path));

  collect_names (a, names);
  collect_names (b, names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(GPtrArray) list_a = children_named (a, name);
      g_autoptr(GPtrArray) list_b = children_named (b, name);

      diff_lists (list_a, list_b, path, name, out);
    }
}

static char *
serialize (xmlNode *node)
{
  xmlBuffer *buffer = xmlBufferCreate ();
  char *result;

  xmlNodeDump (buffer, node->doc, node, 0, 0);
  result = g_strdup ((const char *) xmlBufferContent (buffer));
  xmlBufferFree (buffer);
  return result;
}

static char *
child_path (const char *path,
            const char *name,
            guint       index,
            guint       count)
{
  if (count > 1)
    return g_strdup_printf ("%s/%s[%u]", path, name, index + 1);
  return g_strdup_printf ("%s/%s", path, name);
}

/* Pairs the children of one name: identical subtrees are matched first (longest
 * common subsequence), so removing the first of three disks reports that disk
 * rather than a change in each. Unmatched children between two matches are
 * compared in order; the rest were added (indexed as after) or removed (as before). */
static void
diff_lists (GPtrArray  *list_a,
            GPtrArray  *list_b,
            const char *path,
            const char *name,
            GPtrArray  *out)
{
  guint n = list_a->len, m = list_b->len;
  g_autofree guint *lcs = g_new0 (guint, (n + 1) * (m + 1));
  g_autoptr(GPtrArray) ser_a = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ser_b = g_ptr_array_new_with_free_func (g_free);
  guint count = MAX (n, m);
  guint i = 0, j = 0;

#define LCS(x, y) lcs[(x) * (m + 1) + (y)]
  for (guint k = 0; k < n; k++)
    g_ptr_array_add (ser_a, serialize (g_ptr_array_index (list_a, k)));
  for (guint k = 0; k < m; k++)
    g_ptr_array_add (ser_b, serialize (g_ptr_array_index (list_b, k)));
  for (guint x = n; x-- > 0;)
    for (guint y = m; y-- > 0;)
      LCS (x, y) = g_str_equal (g_ptr_array_index (ser_a, x), g_ptr_array_index (ser_b, y))
                     ? LCS (x + 1, y + 1) + 1
                     : MAX (LCS (x + 1, y), LCS (x, y + 1));

  while (i < n || j < m)
    {
      guint next_i = i, next_j = j;

      /* Find the next matched pair (or the ends). */
      while (next_i < n && next_j < m
             && !g_str_equal (g_ptr_array_index (ser_a, next_i), g_ptr_array_index (ser_b, next_j)))
        {
          if (LCS (next_i + 1, next_j) >= LCS (next_i, next_j + 1))
            next_i++;
          else
            next_j++;
        }
      if (next_i >= n || next_j >= m)
        next_i = n, next_j = m;

      /* Children before it: compared in order, leftovers added or removed. */
      while (i < next_i && j < next_j)
        {
          g_autofree char *p = child_path (path, name, i, count);

          diff_elements (g_ptr_array_index (list_a, i), g_ptr_array_index (list_b, j), p, out);
          i++, j++;
        }
      for (; i < next_i; i++)
        g_ptr_array_add (out, child_path (path, name, i, count));
      for (; j < next_j; j++)
        g_ptr_array_add (out, child_path (path, name, j, count));

      if (i < n && j < m)
        i++, j++;
    }
#undef LCS
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GStrv
hearth_xml_diff (const char *before,
                 const char *after)
{
  g_autoptr(xmlDoc) doc_a = parse (before);
  g_autoptr(xmlDoc) doc_b = parse (after);
  GPtrArray *out = g_ptr_array_new ();
  xmlNode *root_a = xmlDocGetRootElement (doc_a);
  xmlNode *root_b = xmlDocGetRootElement (doc_b);
  g_autofree char *name_a = qualified_name (root_a->name, root_a->ns);
  g_autofree char *name_b = qualified_name (root_b->name, root_b->ns);
  g_autofree char *path = g_strconcat ("/", name_a, NULL);

  if (!g_str_equal (name_a, name_b))
    g_ptr_array_add (out, g_strdup ("/"));
  else
    diff_elements (root_a, root_b, path, out);

  g_ptr_array_sort (out, compare_strings);
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

char *
hearth_xml_canonicalize (const char *xml)
{
  g_autoptr(xmlDoc) doc = parse (xml);
  xmlChar *buffer = NULL;
  char *result;

  g_assert_cmpint (xmlC14NDocDumpMemory (doc, NULL, XML_C14N_1_0, NULL, 1, &buffer), >=, 0);
  result = g_strdup ((const char *) buffer);
  xmlFree (buffer);
  return result;
}

void
hearth_xml_assert_diff (const char         *before,
                        const char         *after,
                        const char * const *expected)
{
  g_auto(GStrv) diff = hearth_xml_diff (before, after);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autofree char *got = NULL;
  g_autofree char *want = NULL;

  for (guint i = 0; expected[i] != NULL; i++)
    g_ptr_array_add (sorted, (gpointer) expected[i]);
  g_ptr_array_sort (sorted, compare_strings);
  g_ptr_array_add (sorted, NULL);

  got = g_strjoinv ("\n", diff);
  want = g_strjoinv ("\n", (char **) sorted->pdata);
  g_assert_cmpstr (got, ==, want);
}
