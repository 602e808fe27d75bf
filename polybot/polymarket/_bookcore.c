/* The stream's hot loop, compiled: vetting the fast path's text frames and
 * applying them to a book's sides.
 *
 * Every function here has a pure-Python twin in bookcore_py.py, which is the
 * reference: tests/polymarket/test_bookcore.py holds the two to the same
 * answers, and bookcore.py falls back to the twin when this module was not
 * built (no C compiler at install time).
 *
 * The vetting functions only ever *accept* early: a 0 means "not sure", and
 * the caller then runs the full Python check. So this file never has to
 * reproduce a rejection rule exactly, only accept a subset of what Python
 * accepts.
 *
 * The data stay Python objects (msgspec structs, str, Decimal, dict), so the
 * books read the same whichever implementation filled them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>

/* Must match parsing._SIZE_DIGITS / _SIZE_DECIMALS (a test checks). */
#define SIZE_DIGITS 15
#define SIZE_DECIMALS 12
/* A venue time as it usually comes: up to 13 ASCII digits (ms since epoch). */
#define TIME_DIGITS 13

/* Set once by configure(): the cache of vetted prices (text -> Decimal),
 * the function that vets and caches a price the dict lacks, and 0 and 1. */
static PyObject *prices = NULL;
static PyObject *price_of = NULL;
static PyObject *zero = NULL;
static PyObject *one = NULL;

static PyObject *s_buy;
/* The two ways the venue ends a price change (parsing._PRICE_CHANGE_ENDS),
 * and the book method that reconciles a venue top that differs. */
static PyObject *s_tag_end, *s_tag_end_spaced, *s_venue_top_differs;
/* A last trade's tag as the venue writes it (anywhere in its text), and
 * the other side's word. */
static PyObject *s_trade_tag, *s_trade_tag_spaced, *s_sell;

/* ---- attributes -------------------------------------------------------- */

/* An attribute read or written where the object's type keeps it: msgspec
 * struct fields and __slots__ are member descriptors, which store the value
 * at a fixed offset in the object. Each Attr remembers the last type it saw
 * (as CPython's own attribute caches do) and reads that type's objects at
 * the offset, skipping the generic lookup; a type that keeps the attribute
 * in its __dict__ (an OrderBook) takes PyObject_GetAttr. */
typedef struct {
    const char *text;
    PyObject *name;
    PyTypeObject *type;    /* the last type seen, held: its address stays its own */
    unsigned int version;  /* that type's version tag when learned */
    Py_ssize_t offset;     /* -1: read that type's objects the generic way */
    int writable;          /* and writes may use the offset too */
} Attr;

static Attr change_asset = {"asset_id"}, change_price = {"price"},
    change_size = {"size"}, change_side = {"side"}, change_hash = {"hash"},
    change_bid = {"best_bid"}, change_ask = {"best_ask"};
static Attr level_price = {"price"}, level_size = {"size"};
static Attr side_levels = {"levels"}, side_best = {"best"}, side_ascending = {"_ascending"};
static Attr book_market = {"market"}, book_bids = {"_bids"}, book_asks = {"_asks"},
    book_hash = {"hash"}, book_updated = {"_updated_raw"};
static Attr frame_changes = {"price_changes"}, frame_time = {"timestamp"};
static Attr trade_asset = {"asset_id"}, trade_price = {"price"}, trade_size = {"size"},
    trade_side = {"side"}, trade_fee = {"fee_rate_bps"}, trade_time = {"timestamp"},
    book_last_trade = {"last_trade_price"};

static Attr *const attrs[] = {
    &change_asset, &change_price, &change_size, &change_side, &change_hash,
    &change_bid, &change_ask, &level_price, &level_size, &side_levels, &side_best,
    &side_ascending, &book_market, &book_bids, &book_asks, &book_hash, &book_updated,
    &frame_changes, &frame_time, &trade_asset, &trade_price, &trade_size, &trade_side,
    &trade_fee, &trade_time, &book_last_trade,
};

/* The offset applies only where the generic lookup would find this very
 * member: a plain object member, of a type the object's type derives from,
 * and no __getattribute__/__setattr__ of the type's own in the way. The
 * type's version tag changes when a class attribute is set, so a cached
 * answer is never stale. */
static void
attr_learn(Attr *attr, PyTypeObject *type)
{
    Py_ssize_t offset = -1;
    int writable = 0;
    PyObject *descr = _PyType_Lookup(type, attr->name);  /* borrowed */
    if (descr != NULL && Py_IS_TYPE(descr, &PyMemberDescr_Type)
        && PyType_IsSubtype(type, PyDescr_TYPE(descr))
        && type->tp_getattro == PyObject_GenericGetAttr) {
        PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
        if (member->type == T_OBJECT_EX) {
            offset = member->offset;
            writable = !(member->flags & READONLY)
                && type->tp_setattro == PyObject_GenericSetAttr;
        }
    }
    /* Only a type with a valid tag can be cached (else: every call asks). */
    int tagged = PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG);
    Py_XSETREF(attr->type, tagged ? (PyTypeObject *)Py_NewRef(type) : NULL);
    attr->version = type->tp_version_tag;
    attr->offset = offset;
    attr->writable = writable;
}

static inline PyObject **
attr_slot(PyObject *obj, Attr *attr, int writing)
{
    PyTypeObject *type = Py_TYPE(obj);
    if (type != attr->type || type->tp_version_tag != attr->version
        || !PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG))
        attr_learn(attr, type);
    if (attr->offset < 0 || (writing && !attr->writable))
        return NULL;
    return (PyObject **)((char *)obj + attr->offset);
}

/* New reference, or NULL with an exception set. */
static inline PyObject *
attr_get(PyObject *obj, Attr *attr)
{
    PyObject **slot = attr_slot(obj, attr, 0);
    if (slot != NULL && *slot != NULL)
        return Py_NewRef(*slot);
    return PyObject_GetAttr(obj, attr->name);
}

static inline int
attr_set(PyObject *obj, Attr *attr, PyObject *value)
{
    PyObject **slot = attr_slot(obj, attr, 1);
    if (slot == NULL)
        return PyObject_SetAttr(obj, attr->name, value);
    Py_XSETREF(*slot, Py_NewRef(value));
    return 0;
}

/* ---- vetting ----------------------------------------------------------- */

/* parsing.plain_size: ASCII digits and at most one dot, at least one digit,
 * at most SIZE_DIGITS before the dot and SIZE_DECIMALS after it. */
static int
plain_size(PyObject *text)
{
    if (!PyUnicode_CheckExact(text) || !PyUnicode_IS_ASCII(text))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t whole = 0, decimals = 0;
    int dot = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = s[i];
        if (c >= '0' && c <= '9') {
            if (dot)
                decimals++;
            else
                whole++;
        }
        else if (c == '.' && !dot)
            dot = 1;
        else
            return 0;
    }
    return whole + decimals > 0 && whole <= SIZE_DIGITS && decimals <= SIZE_DECIMALS;
}

/* A vetted size is zero exactly when only zeros and the dot remain. */
static int
size_is_zero(PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] != '0' && s[i] != '.')
            return 0;
    return 1;
}

static int
timestamp_plain(PyObject *value)
{
    if (!PyUnicode_CheckExact(value) || !PyUnicode_IS_ASCII(value))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(value);
    if (n < 1 || n > TIME_DIGITS)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* 1 if the price text is one already vetted (in the cache), 0 if not known
 * here, -1 on error. */
static int
known_price(PyObject *text)
{
    if (!PyUnicode_CheckExact(text))
        return 0;
    PyObject *value = PyDict_GetItemWithError(prices, text);
    if (value == NULL)
        return PyErr_Occurred() ? -1 : 0;
    return 1;
}

/* 1 if None or a known price. */
static int
known_price_or_none(PyObject *text)
{
    return text == Py_None ? 1 : known_price(text);
}

/* Reads one attribute; fills *out with a new reference. */
#define GET(obj, attr, out)                            \
    do {                                               \
        (out) = attr_get((obj), &(attr));              \
        if ((out) == NULL)                             \
            goto error;                                \
    } while (0)

static int
configured(void)
{
    if (prices == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_bookcore.configure() was not called");
        return 0;
    }
    return 1;
}

PyDoc_STRVAR(vet_changes_doc,
"vet_changes(changes, timestamp) -> bool\n\n"
"True when every change of a price_change frame has known prices and a\n"
"plain size and the time is plain digits; False means: check in Python.");

static PyObject *
vet_changes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyTuple_CheckExact(args[0])) {
        PyErr_SetString(PyExc_TypeError, "vet_changes(changes: tuple, timestamp)");
        return NULL;
    }
    if (!configured())
        return NULL;
    if (!timestamp_plain(args[1]))
        Py_RETURN_FALSE;
    PyObject *changes = args[0];
    Py_ssize_t n = PyTuple_GET_SIZE(changes);
    PyObject *price = NULL, *bid = NULL, *ask = NULL, *size = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *change = PyTuple_GET_ITEM(changes, i);
        GET(change, change_price, price);
        GET(change, change_bid, bid);
        GET(change, change_ask, ask);
        GET(change, change_size, size);
        int ok_price = known_price(price);
        int ok_bid = ok_price > 0 ? known_price_or_none(bid) : ok_price;
        int ok_ask = ok_bid > 0 ? known_price_or_none(ask) : ok_bid;
        int ok = ok_ask > 0 && plain_size(size);
        Py_CLEAR(price);
        Py_CLEAR(bid);
        Py_CLEAR(ask);
        Py_CLEAR(size);
        if (ok_ask < 0)
            return NULL;
        if (!ok)
            Py_RETURN_FALSE;
    }
    Py_RETURN_TRUE;
error:
    Py_XDECREF(price);
    Py_XDECREF(bid);
    Py_XDECREF(ask);
    Py_XDECREF(size);
    return NULL;
}

PyDoc_STRVAR(vet_levels_doc,
"vet_levels(levels) -> bool\n\n"
"True when every level of a book snapshot side has a known price and a\n"
"plain size; False means: check in Python.");

static PyObject *
vet_levels(PyObject *module, PyObject *levels)
{
    if (!PyTuple_CheckExact(levels)) {
        PyErr_SetString(PyExc_TypeError, "vet_levels(levels: tuple)");
        return NULL;
    }
    if (!configured())
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(levels);
    PyObject *price = NULL, *size = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *level = PyTuple_GET_ITEM(levels, i);
        GET(level, level_price, price);
        GET(level, level_size, size);
        int known = known_price(price);
        int ok = known > 0 && plain_size(size);
        Py_CLEAR(price);
        Py_CLEAR(size);
        if (known < 0)
            return NULL;
        if (!ok)
            Py_RETURN_FALSE;
    }
    Py_RETURN_TRUE;
error:
    Py_XDECREF(price);
    Py_XDECREF(size);
    return NULL;
}

PyDoc_STRVAR(vet_trade_doc,
"vet_trade(price, size, timestamp) -> bool\n\n"
"True when a last trade's price is known, its size plain and its time plain\n"
"digits; False means: check in Python.");

static PyObject *
vet_trade(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "vet_trade(price, size, timestamp)");
        return NULL;
    }
    if (!configured())
        return NULL;
    int known = known_price(args[0]);
    if (known < 0)
        return NULL;
    return PyBool_FromLong(known && plain_size(args[1]) && timestamp_plain(args[2]));
}

/* ---- price order ------------------------------------------------------- */

/* Comparing two Decimals costs a context lookup and a conversion every
 * time, and the stream compares the same few hundred price objects (the
 * cache's) millions of times. So each price object met here keeps its float,
 * by address: the object is held, so its address stays its own. Two prices
 * whose floats differ compare as their floats do: Decimal's float is
 * correctly rounded, hence monotonic, so x < y as floats implies a < b.
 * Equal floats (two texts of one price, or prices closer than a float
 * tells), and objects not kept (the table is full), take the Decimal
 * comparison. */
#define RANKS 4096  /* a power of two; filled to half at most */
typedef struct {
    PyObject *price;
    double value;
} Rank;
static Rank ranks[RANKS];
static int ranked = 0;

static inline size_t
rank_slot(PyObject *price)
{
    /* Fibonacci hashing of the address: its top 12 bits. */
    return (size_t)((((uint64_t)(uintptr_t)price >> 4) * 0x9E3779B97F4A7C15ull) >> 52);
}

static inline int
rank_of(PyObject *price, double *value)
{
    for (size_t i = rank_slot(price); ranks[i].price != NULL; i = (i + 1) & (RANKS - 1))
        if (ranks[i].price == price) {
            *value = ranks[i].value;
            return 1;
        }
    return 0;
}

/* Keeps a Decimal's float (once; nothing when the table is half full). */
static void
rank_note(PyObject *price)
{
    if (ranked >= RANKS / 2 || zero == NULL || Py_TYPE(price) != Py_TYPE(zero))
        return;
    size_t i = rank_slot(price);
    for (; ranks[i].price != NULL; i = (i + 1) & (RANKS - 1))
        if (ranks[i].price == price)
            return;
    double value = PyFloat_AsDouble(price);
    if (value == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();  /* not kept: compared as Decimals */
        return;
    }
    if (!isfinite(value))
        return;
    ranks[i].price = Py_NewRef(price);
    ranks[i].value = value;
    ranked++;
}

/* PyObject_RichCompareBool(a, b, op) for prices (op: Py_LT, Py_GT or
 * Py_EQ), by their floats when those tell. */
static int
price_compare(PyObject *a, PyObject *b, int op)
{
    double x, y;
    if (a != b && rank_of(a, &x) && rank_of(b, &y) && x != y)
        return op == Py_LT ? x < y : op == Py_GT ? x > y : 0;
    return PyObject_RichCompareBool(a, b, op);
}

/* ---- applying ---------------------------------------------------------- */

/* The Decimal of a vetted price text: the cache, else price_of (a vetted
 * price the full cache no longer keeps). New reference. */
static PyObject *
price_value(PyObject *text)
{
    PyObject *value = PyDict_GetItemWithError(prices, text);
    if (value != NULL) {
        rank_note(value);
        return Py_NewRef(value);
    }
    if (PyErr_Occurred())
        return NULL;
    value = PyObject_CallOneArg(price_of, text);
    if (value == Py_None) {
        Py_DECREF(value);
        PyErr_Format(PyExc_ValueError, "unvetted price %R", text);
        return NULL;
    }
    return value;
}

/* 1 if a is better than b on this side (higher bid, lower ask). */
static int
better(PyObject *a, PyObject *b, int is_bid)
{
    return price_compare(a, b, is_bid ? Py_GT : Py_LT);
}

/* The best price left in levels (None when empty). New reference. */
static PyObject *
extreme(PyObject *levels, int is_bid)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value, *best = Py_None;
    while (PyDict_Next(levels, &pos, &key, &value)) {
        if (best == Py_None)
            best = key;
        else {
            int b = better(key, best, is_bid);
            if (b < 0)
                return NULL;
            if (b)
                best = key;
        }
    }
    return Py_NewRef(best);
}

/* One side of the book, read from a _BookSide for the length of a call:
 * its levels dict and best (both held until side_close). */
typedef struct {
    PyObject *side;
    PyObject *levels;
    PyObject *best;
    int is_bid;
    int order_changed;
    int best_changed;
} Side;

/* Reads the side; on failure what was read is still released by
 * side_close. */
static int
side_open(Side *s, PyObject *side, int is_bid)
{
    s->side = side;
    s->is_bid = is_bid;
    s->order_changed = s->best_changed = 0;
    s->best = NULL;
    /* Held for the call: Python code (price_of) runs in between. */
    s->levels = attr_get(side, &side_levels);
    if (s->levels == NULL)
        return -1;
    if (!PyDict_CheckExact(s->levels)) {
        PyErr_SetString(PyExc_TypeError, "a book side's levels must be a dict");
        return -1;
    }
    s->best = attr_get(side, &side_best);
    return s->best == NULL ? -1 : 0;
}

/* Writes back what changed (even after an error: the dict already holds
 * the changes made so far, and best and order must describe them), then
 * releases what side_open read. */
static int
side_close(Side *s)
{
    int rc = 0;
    if (s->best != NULL) {
        if (s->best_changed && attr_set(s->side, &side_best, s->best) < 0)
            rc = -1;
        if (s->order_changed && attr_set(s->side, &side_ascending, Py_None) < 0)
            rc = -1;
    }
    Py_CLEAR(s->best);
    Py_CLEAR(s->levels);
    return rc;
}

static void
side_set_best(Side *s, PyObject *best)
{
    Py_SETREF(s->best, best);
    s->best_changed = 1;
}

/* _BookSide.put for a non-zero size; the level keeps its first key. */
static int
side_put(Side *s, PyObject *price, PyObject *size)
{
    int present = PyDict_Contains(s->levels, price);
    if (present < 0)
        return -1;
    if (!present) {
        s->order_changed = 1;
        int b = s->best == Py_None ? 1 : better(price, s->best, s->is_bid);
        if (b < 0)
            return -1;
        if (b)
            side_set_best(s, Py_NewRef(price));
    }
    return PyDict_SetItem(s->levels, price, size);
}

/* _BookSide.drop. */
static int
side_drop(Side *s, PyObject *price)
{
    int present = PyDict_Contains(s->levels, price);
    if (present <= 0)
        return present;
    if (PyDict_DelItem(s->levels, price) < 0)
        return -1;
    s->order_changed = 1;
    int was_best = s->best == Py_None ? 0 : price_compare(price, s->best, Py_EQ);
    if (was_best < 0)
        return -1;
    if (was_best) {
        PyObject *best = extreme(s->levels, s->is_bid);
        if (best == NULL)
            return -1;
        side_set_best(s, best);
    }
    return 0;
}

/* The venue's top agrees with ours: a venue bid of 0 (ask of 1) means an
 * empty side. 1 yes, 0 no, -1 error. */
static int
top_agrees(PyObject *venue, PyObject *ours, PyObject *empty_word, int is_bid)
{
    if (venue == Py_None)
        return 1;
    int real = price_compare(venue, empty_word, is_bid ? Py_GT : Py_LT);
    if (real <= 0)
        return real < 0 ? -1 : ours == Py_None;
    if (ours == Py_None)
        return 0;
    return price_compare(ours, venue, Py_EQ);
}

/* Sets each vetted change (of token_of[i] == token, or every change when
 * token_of is NULL; at least one) on its side, then compares the last such
 * change's venue top with ours: 1 agrees and not crossed, 0 the caller must
 * reconcile, -1 error. */
static int
apply_to_sides(PyObject *changes, const Py_ssize_t *token_of, Py_ssize_t token,
               PyObject *bids_side, PyObject *asks_side)
{
    Side bids = {NULL}, asks = {NULL};
    PyObject *side = NULL, *text = NULL, *price = NULL, *size = NULL;
    PyObject *venue_bid = NULL, *venue_ask = NULL;
    int result = -1;
    if (side_open(&bids, bids_side, 1) < 0 || side_open(&asks, asks_side, 0) < 0)
        goto done;
    Py_ssize_t n = PyTuple_GET_SIZE(changes), last_index = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (token_of != NULL && token_of[i] != token)
            continue;  /* another token's change */
        last_index = i;
        PyObject *change = PyTuple_GET_ITEM(changes, i);
        if ((side = attr_get(change, &change_side)) == NULL
            || (text = attr_get(change, &change_price)) == NULL
            || (size = attr_get(change, &change_size)) == NULL
            || (price = price_value(text)) == NULL)
            goto done;
        int buy = PyUnicode_Compare(side, s_buy) == 0;
        if (buy == 0 && PyErr_Occurred())
            goto done;
        Side *s = buy ? &bids : &asks;
        if (!PyUnicode_CheckExact(size) || !PyUnicode_IS_ASCII(size)) {
            PyErr_SetString(PyExc_ValueError, "unvetted size");
            goto done;
        }
        int rc = size_is_zero(size) ? side_drop(s, price) : side_put(s, price, size);
        if (rc < 0)
            goto done;
        Py_CLEAR(side);
        Py_CLEAR(text);
        Py_CLEAR(size);
        Py_CLEAR(price);
    }
    PyObject *last = PyTuple_GET_ITEM(changes, last_index);
    GET(last, change_bid, text);
    if (text != Py_None && (venue_bid = price_value(text)) == NULL)
        goto done;
    Py_CLEAR(text);
    GET(last, change_ask, text);
    if (text != Py_None && (venue_ask = price_value(text)) == NULL)
        goto done;
    Py_CLEAR(text);
    int agrees = top_agrees(venue_bid ? venue_bid : Py_None, bids.best, zero, 1);
    if (agrees > 0)
        agrees = top_agrees(venue_ask ? venue_ask : Py_None, asks.best, one, 0);
    if (agrees > 0 && bids.best != Py_None && asks.best != Py_None)
        agrees = price_compare(bids.best, asks.best, Py_LT);
    result = agrees;
    goto done;
error:
done:
    Py_XDECREF(side);
    Py_XDECREF(text);
    Py_XDECREF(size);
    Py_XDECREF(price);
    Py_XDECREF(venue_bid);
    Py_XDECREF(venue_ask);
    if (side_close(&bids) < 0)
        result = -1;
    if (side_close(&asks) < 0)
        result = -1;
    return result;
}

PyDoc_STRVAR(apply_changes_doc,
"apply_changes(changes, bids, asks) -> bool\n\n"
"Sets each vetted change on its side, then True when the last change's\n"
"venue top is ours and the book is not crossed; False when the caller must\n"
"reconcile.");

static PyObject *
apply_changes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyTuple_CheckExact(args[0]) || PyTuple_GET_SIZE(args[0]) == 0) {
        PyErr_SetString(PyExc_TypeError, "apply_changes(changes: non-empty tuple, bids, asks)");
        return NULL;
    }
    if (!configured())
        return NULL;
    int agrees = apply_to_sides(args[0], NULL, 0, args[1], args[2]);
    return agrees < 0 ? NULL : PyBool_FromLong(agrees);
}

/* The asset id when every change is of one token, else None; NULL on error.
 * New reference. */
static PyObject *
only_asset(PyObject *changes)
{
    Py_ssize_t n = PyTuple_GET_SIZE(changes);
    if (n == 0)
        Py_RETURN_NONE;
    PyObject *first = attr_get(PyTuple_GET_ITEM(changes, 0), &change_asset);
    if (first == NULL)
        return NULL;
    for (Py_ssize_t i = 1; i < n; i++) {
        PyObject *other = attr_get(PyTuple_GET_ITEM(changes, i), &change_asset);
        if (other == NULL) {
            Py_DECREF(first);
            return NULL;
        }
        int same = PyObject_RichCompareBool(first, other, Py_EQ);
        Py_DECREF(other);
        if (same <= 0) {
            Py_DECREF(first);
            if (same < 0)
                return NULL;
            Py_RETURN_NONE;
        }
    }
    return first;
}

PyDoc_STRVAR(apply_price_change_doc,
"apply_price_change(books, changes, timestamp) -> tuple | list | None\n\n"
"BookRegistry.apply_frame for a vetted price_change frame: the changes of\n"
"each token (a frame usually carries both of a market's) are applied to\n"
"its book as a batch, noting the batch's last hash and the time, as the\n"
"typed path does. Returns the asset ids, in the order they first appear.\n"
"When a book's venue top (from its batch's last change) then differs from\n"
"ours, returns instead a list: the asset ids, then each such book followed\n"
"by that last change, for the caller to reconcile. None, with nothing\n"
"changed, when a token has no book or no market yet, or the frame names\n"
"too many tokens (the caller's general path).");

/* Distinct tokens a frame may name for this path; more go to the caller. */
#define MAX_TOKENS 8

static PyObject *
apply_price_change(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyDict_CheckExact(args[0]) || !PyTuple_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError,
            "apply_price_change(books: dict, changes: tuple, timestamp)");
        return NULL;
    }
    if (!configured())
        return NULL;
    PyObject *books = args[0], *changes = args[1], *timestamp = args[2];
    Py_ssize_t n = PyTuple_GET_SIZE(changes);
    if (n == 0)
        Py_RETURN_NONE;
    /* Each token once, in order, and its book (new references). */
    PyObject *assets[MAX_TOKENS], *book_of[MAX_TOKENS];
    Py_ssize_t tokens = 0;
    PyObject *asset = NULL, *market = NULL, *bids = NULL, *asks = NULL;
    PyObject *hash = NULL, *ids = NULL, *differs = NULL, *result = NULL;
    /* Which token each change is of: an index into assets (on the stack
     * for a frame of the usual size). */
    Py_ssize_t on_stack[32];
    Py_ssize_t *token_of = n <= 32 ? on_stack : PyMem_New(Py_ssize_t, n);
    if (token_of == NULL)
        return PyErr_NoMemory();
    int handled = 1;
    for (Py_ssize_t i = 0; i < n && handled; i++) {
        if ((asset = attr_get(PyTuple_GET_ITEM(changes, i), &change_asset)) == NULL)
            goto done;
        int seen = 0;
        for (Py_ssize_t t = 0; t < tokens && !seen; t++) {
            seen = PyObject_RichCompareBool(asset, assets[t], Py_EQ);
            if (seen < 0)
                goto done;
            token_of[i] = t;
        }
        if (!seen) {
            token_of[i] = tokens;
            PyObject *book = tokens < MAX_TOKENS ? PyDict_GetItemWithError(books, asset) : NULL;
            if (book == NULL && PyErr_Occurred())
                goto done;
            int has_market = 0;
            if (book != NULL) {
                if ((market = attr_get(book, &book_market)) == NULL)
                    goto done;
                has_market = PyObject_IsTrue(market);
                Py_CLEAR(market);
                if (has_market < 0)
                    goto done;
            }
            if (!has_market)
                handled = 0;  /* no book, no market yet, or too many tokens */
            else {
                assets[tokens] = Py_NewRef(asset);
                book_of[tokens++] = Py_NewRef(book);
            }
        }
        Py_CLEAR(asset);
    }
    if (!handled) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    for (Py_ssize_t t = 0; t < tokens; t++) {
        PyObject *book = book_of[t];
        Py_ssize_t last_index = 0;
        for (Py_ssize_t i = 0; i < n; i++)
            if (token_of[i] == t)
                last_index = i;
        PyObject *last = PyTuple_GET_ITEM(changes, last_index);
        if ((bids = attr_get(book, &book_bids)) == NULL
            || (asks = attr_get(book, &book_asks)) == NULL
            || (hash = attr_get(last, &change_hash)) == NULL)
            goto done;
        int has_hash = PyObject_IsTrue(hash);
        if (has_hash < 0 || (has_hash && attr_set(book, &book_hash, hash) < 0)
            || attr_set(book, &book_updated, timestamp) < 0)
            goto done;
        int agrees = apply_to_sides(changes, tokens == 1 ? NULL : token_of, t, bids, asks);
        if (agrees < 0)
            goto done;
        if (agrees == 0) {
            if (differs == NULL && (differs = PyList_New(0)) == NULL)
                goto done;
            if (PyList_Append(differs, book) < 0 || PyList_Append(differs, last) < 0)
                goto done;
        }
        Py_CLEAR(bids);
        Py_CLEAR(asks);
        Py_CLEAR(hash);
    }
    if ((ids = PyTuple_New(tokens)) == NULL)
        goto done;
    for (Py_ssize_t t = 0; t < tokens; t++)
        PyTuple_SET_ITEM(ids, t, Py_NewRef(assets[t]));
    if (differs == NULL)
        result = Py_NewRef(ids);
    else if (PyList_Insert(differs, 0, ids) == 0)
        result = Py_NewRef(differs);
done:
    if (token_of != on_stack)
        PyMem_Free(token_of);
    for (Py_ssize_t t = 0; t < tokens; t++) {
        Py_DECREF(assets[t]);
        Py_DECREF(book_of[t]);
    }
    Py_XDECREF(asset);
    Py_XDECREF(market);
    Py_XDECREF(bids);
    Py_XDECREF(asks);
    Py_XDECREF(hash);
    Py_XDECREF(ids);
    Py_XDECREF(differs);
    return result;
}

/* True when raw ends with the price change's tag as the venue writes it:
 * the frame decoder would also take a text with no tag at all. */
static int
ends_with_tag(PyObject *raw)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(raw);
    Py_ssize_t found = PyUnicode_Tailmatch(raw, s_tag_end, 0, n, 1);
    if (found == 0)
        found = PyUnicode_Tailmatch(raw, s_tag_end_spaced, 0, n, 1);
    return (int)found;
}

/* A price change's text (ending with its tag), taken whole: decoded
 * (decode: the PriceChangeFrame decoder's), vetted (vet_changes), applied
 * (apply_price_change, then book._venue_top_differs(last) for each book
 * whose venue top differs) and its tokens added to dirty. False, with
 * nothing changed, when it is not decodable or not vetted here, or names a
 * token in watched (resting paper orders want the event first) or one
 * without its book and market. A new reference to True or False, NULL on
 * error. */
static PyObject *
take_price_change(PyObject *module, PyObject *decode, PyObject *books, PyObject *dirty,
                  PyObject *watched, PyObject *raw)
{
    PyObject *frame = PyObject_Vectorcall(decode, &raw, 1, NULL);
    if (frame == NULL) {
        /* Not decodable as a price change: the general path decides (and
         * counts it). Only an Exception: an interrupt goes on up. */
        if (!PyErr_ExceptionMatches(PyExc_Exception))
            return NULL;
        PyErr_Clear();
        Py_RETURN_FALSE;
    }
    PyObject *changes = NULL, *timestamp = NULL, *vetted = NULL, *done = NULL;
    PyObject *asset = NULL, *result = NULL;
    GET(frame, frame_changes, changes);
    GET(frame, frame_time, timestamp);
    if (!PyTuple_CheckExact(changes) || PyTuple_GET_SIZE(changes) == 0) {
        result = Py_NewRef(Py_False);
        goto error;
    }
    PyObject *vet_args[2] = {changes, timestamp};
    if ((vetted = vet_changes(module, vet_args, 2)) == NULL)
        goto error;
    if (vetted != Py_True) {
        result = Py_NewRef(Py_False);
        goto error;
    }
    if (PyDict_GET_SIZE(watched) > 0) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(changes); i++) {
            GET(PyTuple_GET_ITEM(changes, i), change_asset, asset);
            int wanted = PyDict_Contains(watched, asset);
            Py_CLEAR(asset);
            if (wanted != 0) {
                if (wanted > 0)
                    result = Py_NewRef(Py_False);
                goto error;
            }
        }
    }
    PyObject *apply_args[3] = {books, changes, timestamp};
    if ((done = apply_price_change(module, apply_args, 3)) == NULL)
        goto error;
    if (done == Py_None) {  /* nothing changed: the general path makes the books */
        result = Py_NewRef(Py_False);
        goto error;
    }
    PyObject *ids = done;
    if (PyList_CheckExact(done)) {
        /* The ids, then each book whose venue top differs and its change. */
        ids = PyList_GET_ITEM(done, 0);
        for (Py_ssize_t i = 1; i + 1 < PyList_GET_SIZE(done); i += 2) {
            PyObject *fixed = PyObject_CallMethodOneArg(
                PyList_GET_ITEM(done, i), s_venue_top_differs, PyList_GET_ITEM(done, i + 1));
            if (fixed == NULL)
                goto error;
            Py_DECREF(fixed);
        }
    }
    for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(ids); t++)
        if (PySet_Add(dirty, PyTuple_GET_ITEM(ids, t)) < 0)
            goto error;
    result = Py_NewRef(Py_True);
error:
    Py_DECREF(frame);
    Py_XDECREF(changes);
    Py_XDECREF(timestamp);
    Py_XDECREF(vetted);
    Py_XDECREF(done);
    Py_XDECREF(asset);
    return result;
}

/* 1 when a last trade's side is None, "BUY" or "SELL" (as the frame's vet). */
static int
side_known(PyObject *side)
{
    return side == Py_None
        || (PyUnicode_CheckExact(side)
            && (PyUnicode_Compare(side, s_buy) == 0 || PyUnicode_Compare(side, s_sell) == 0));
}

/* A last trade's text, taken whole: decoded (decode: the frames' decoder),
 * vetted as LastTradePriceFrame.vet accepts (accepting early only), queued
 * (trade(asset_id, frame)), set as its book's last trade price and marked.
 * 1 taken, 0 left to the caller with nothing done, -1 error. */
static int
take_last_trade(PyObject *decode, PyObject *trade_type, PyObject *numbers, PyObject *books,
                PyObject *dirty, PyObject *watched, PyObject *trade, PyObject *raw)
{
    PyObject *frame = PyObject_Vectorcall(decode, &raw, 1, NULL);
    if (frame == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_Exception))
            return -1;
        PyErr_Clear();
        return 0;
    }
    PyObject *asset = NULL, *price = NULL, *size = NULL, *side = NULL, *fee = NULL;
    PyObject *timestamp = NULL, *market = NULL, *value = NULL, *queued = NULL;
    int result = -1;
    if ((PyObject *)Py_TYPE(frame) != trade_type) {
        result = 0;  /* the tag was inside another object: the caller's */
        goto error;
    }
    GET(frame, trade_asset, asset);
    GET(frame, trade_price, price);
    GET(frame, trade_size, size);
    GET(frame, trade_side, side);
    GET(frame, trade_fee, fee);
    GET(frame, trade_time, timestamp);
    int known = known_price(price);
    if (known < 0)
        goto error;
    int fee_known = fee == Py_None ? 1 : PyUnicode_CheckExact(fee) ? PyDict_Contains(numbers, fee) : 0;
    if (fee_known < 0)
        goto error;
    if (!known || !plain_size(size) || !timestamp_plain(timestamp) || !side_known(side)
        || !fee_known) {
        result = 0;
        goto error;
    }
    int wanted = PyDict_GET_SIZE(watched) > 0 ? PyDict_Contains(watched, asset) : 0;
    if (wanted != 0) {
        result = wanted > 0 ? 0 : -1;
        goto error;
    }
    PyObject *book = PyDict_GetItemWithError(books, asset);  /* borrowed */
    if (book == NULL) {
        result = PyErr_Occurred() ? -1 : 0;
        goto error;
    }
    Py_INCREF(book);  /* held: trade() runs Python code */
    int has_market = 0;
    if ((market = attr_get(book, &book_market)) != NULL)
        has_market = PyObject_IsTrue(market);
    if (market == NULL || has_market <= 0) {
        result = market == NULL || has_market < 0 ? -1 : 0;
        Py_DECREF(book);
        goto error;
    }
    PyObject *trade_args[2] = {asset, frame};
    if ((queued = PyObject_Vectorcall(trade, trade_args, 2, NULL)) == NULL
        || (value = price_value(price)) == NULL
        || attr_set(book, &book_last_trade, value) < 0
        || PySet_Add(dirty, asset) < 0) {
        Py_DECREF(book);
        goto error;
    }
    Py_DECREF(book);
    result = 1;
error:
    Py_DECREF(frame);
    Py_XDECREF(asset);
    Py_XDECREF(price);
    Py_XDECREF(size);
    Py_XDECREF(side);
    Py_XDECREF(fee);
    Py_XDECREF(timestamp);
    Py_XDECREF(market);
    Py_XDECREF(value);
    Py_XDECREF(queued);
    return result;
}

PyDoc_STRVAR(ingest_text_doc,
"ingest_text(price_change_decode, frame_decode, trade_type, numbers, books,\n"
"            dirty, watched, trade, raw) -> bool\n\n"
"The stream's whole path for most of its texts, in one call. A price change\n"
"(ending with its tag): decoded by price_change_decode, vetted, applied as\n"
"BookRegistry.apply_frame applies its frame (book._venue_top_differs(last)\n"
"for each book whose venue top differs) and its tokens added to dirty. A\n"
"last trade (its tag in the text): decoded by frame_decode into a\n"
"trade_type frame, vetted as LastTradePriceFrame.vet accepts (its fee text\n"
"known to numbers), queued with trade(asset_id, frame), set as its book's\n"
"last_trade_price and its token added to dirty. False, with nothing done,\n"
"for anything else, for a token in watched (resting paper orders take the\n"
"event before the book changes) and for one without its book and market:\n"
"the caller parses those the general way.");

static PyObject *
ingest_text(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9 || !PyDict_CheckExact(args[3]) || !PyDict_CheckExact(args[4])
        || !PySet_CheckExact(args[5]) || !PyDict_Check(args[6])) {
        PyErr_SetString(PyExc_TypeError,
            "ingest_text(price_change_decode, frame_decode, trade_type, numbers: dict, "
            "books: dict, dirty: set, watched: dict, trade, raw)");
        return NULL;
    }
    if (!configured())
        return NULL;
    PyObject *raw = args[8];
    if (!PyUnicode_CheckExact(raw))
        Py_RETURN_FALSE;
    int tagged = ends_with_tag(raw);
    if (tagged < 0)
        return NULL;
    if (tagged)
        return take_price_change(module, args[0], args[4], args[5], args[6], raw);
    Py_ssize_t n = PyUnicode_GET_LENGTH(raw);
    Py_ssize_t at = PyUnicode_Find(raw, s_trade_tag, 0, n, 1);
    if (at == -1)
        at = PyUnicode_Find(raw, s_trade_tag_spaced, 0, n, 1);
    if (at < 0)
        return at == -1 ? Py_NewRef(Py_False) : NULL;
    int taken = take_last_trade(args[1], args[2], args[3], args[4], args[5], args[6],
                                args[7], raw);
    return taken < 0 ? NULL : PyBool_FromLong(taken);
}

PyDoc_STRVAR(load_levels_doc,
"load_levels(side, levels) -> bool\n\n"
"_BookSide.load_text for a snapshot whose prices do not repeat: replaces\n"
"the side's levels (zero sizes dropped), best and order. False, with the\n"
"side untouched, when a price repeats (the caller adds them up).");

static PyObject *
load_levels(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyTuple_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "load_levels(side, levels: tuple, is_bid)");
        return NULL;
    }
    if (!configured())
        return NULL;
    PyObject *side = args[0], *raw = args[1];
    int is_bid = PyObject_IsTrue(args[2]);
    if (is_bid < 0)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(raw);
    PyObject *levels = PyDict_New();
    PyObject *text = NULL, *size = NULL, *price = NULL, *best = NULL;
    PyObject *result = NULL;
    int repeated = 0, any_zero = 0;
    if (levels == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n && !repeated; i++) {
        PyObject *level = PyTuple_GET_ITEM(raw, i);
        GET(level, level_price, text);
        GET(level, level_size, size);
        if ((price = price_value(text)) == NULL)
            goto error;
        if (!PyUnicode_CheckExact(size) || !PyUnicode_IS_ASCII(size)) {
            PyErr_SetString(PyExc_ValueError, "unvetted size");
            goto error;
        }
        /* A repeat adds no key. (Not "the value found is another object":
         * CPython shares one-character strings, so two levels of "5" are
         * one object.) */
        Py_ssize_t before = PyDict_GET_SIZE(levels);
        if (PyDict_SetDefault(levels, price, size) == NULL)
            goto error;
        repeated = PyDict_GET_SIZE(levels) == before;
        any_zero |= size_is_zero(size);
        Py_CLEAR(text);
        Py_CLEAR(size);
        Py_CLEAR(price);
    }
    if (repeated) {
        Py_DECREF(levels);
        Py_RETURN_FALSE;
    }
    if (any_zero) {
        /* Rare: the venue lists no empty levels. Drop them in a second pass. */
        PyObject *keys = PyDict_Keys(levels);
        if (keys == NULL)
            goto error;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
            PyObject *key = PyList_GET_ITEM(keys, i);
            PyObject *size_of = PyDict_GetItem(levels, key);  /* borrowed; a str */
            if (size_of != NULL && size_is_zero(size_of) && PyDict_DelItem(levels, key) < 0) {
                Py_DECREF(keys);
                goto error;
            }
        }
        Py_DECREF(keys);
    }
    if ((best = extreme(levels, is_bid)) == NULL)
        goto error;
    if (attr_set(side, &side_levels, levels) == 0
        && attr_set(side, &side_ascending, Py_None) == 0
        && attr_set(side, &side_best, best) == 0)
        result = Py_NewRef(Py_True);
error:
    Py_XDECREF(text);
    Py_XDECREF(size);
    Py_XDECREF(price);
    Py_XDECREF(best);
    Py_DECREF(levels);
    return result;
}

PyDoc_STRVAR(one_asset_doc,
"one_asset(changes) -> str | None\n\n"
"The asset id when every change is of one token, else None.");

static PyObject *
one_asset(PyObject *module, PyObject *changes)
{
    if (!PyTuple_CheckExact(changes)) {
        PyErr_SetString(PyExc_TypeError, "one_asset(changes: tuple)");
        return NULL;
    }
    return only_asset(changes);
}

PyDoc_STRVAR(configure_doc,
"configure(prices, price_of, zero, one)\n\n"
"The vetted-price cache (a dict: text -> Decimal), the function that vets\n"
"and caches a price text (None when invalid), and Decimal 0 and 1.");

static PyObject *
configure(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyDict_CheckExact(args[0]) || !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "configure(prices: dict, price_of, zero, one)");
        return NULL;
    }
    Py_XSETREF(prices, Py_NewRef(args[0]));
    Py_XSETREF(price_of, Py_NewRef(args[1]));
    Py_XSETREF(zero, Py_NewRef(args[2]));
    Py_XSETREF(one, Py_NewRef(args[3]));
    rank_note(zero);
    rank_note(one);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", (PyCFunction)(void (*)(void))configure, METH_FASTCALL, configure_doc},
    {"vet_changes", (PyCFunction)(void (*)(void))vet_changes, METH_FASTCALL, vet_changes_doc},
    {"vet_levels", vet_levels, METH_O, vet_levels_doc},
    {"vet_trade", (PyCFunction)(void (*)(void))vet_trade, METH_FASTCALL, vet_trade_doc},
    {"apply_changes", (PyCFunction)(void (*)(void))apply_changes, METH_FASTCALL, apply_changes_doc},
    {"apply_price_change", (PyCFunction)(void (*)(void))apply_price_change, METH_FASTCALL, apply_price_change_doc},
    {"ingest_text", (PyCFunction)(void (*)(void))ingest_text, METH_FASTCALL, ingest_text_doc},
    {"load_levels", (PyCFunction)(void (*)(void))load_levels, METH_FASTCALL, load_levels_doc},
    {"one_asset", one_asset, METH_O, one_asset_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_bookcore",
    "The stream's hot loop, compiled (see bookcore.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__bookcore(void)
{
    if ((s_buy = PyUnicode_InternFromString("BUY")) == NULL
        || (s_tag_end = PyUnicode_InternFromString("\"event_type\":\"price_change\"}")) == NULL
        || (s_tag_end_spaced = PyUnicode_InternFromString("\"event_type\": \"price_change\"}")) == NULL
        || (s_venue_top_differs = PyUnicode_InternFromString("_venue_top_differs")) == NULL
        || (s_trade_tag = PyUnicode_InternFromString("\"event_type\":\"last_trade_price\"")) == NULL
        || (s_trade_tag_spaced = PyUnicode_InternFromString("\"event_type\": \"last_trade_price\"")) == NULL
        || (s_sell = PyUnicode_InternFromString("SELL")) == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if ((attrs[i]->name = PyUnicode_InternFromString(attrs[i]->text)) == NULL)
            return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    if (PyModule_AddIntConstant(module, "SIZE_DIGITS", SIZE_DIGITS) < 0
        || PyModule_AddIntConstant(module, "SIZE_DECIMALS", SIZE_DECIMALS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
