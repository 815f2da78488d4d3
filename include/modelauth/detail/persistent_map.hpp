//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_PERSISTENT_MAP_HPP
#define MODELAUTH_DETAIL_PERSISTENT_MAP_HPP

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace detail {

/** Memory that an edit of a persistent structure replaced, kept until no
    reader can reach it any more.

    A type-erased list of (pointer, deleter) pairs. Destroying the garbage
    (or calling `clear`) calls every deleter, in the order the pointers were
    retired. Whoever owns a garbage object decides when that is safe: for a
    `persistent_map`, once no reader holds a version published before the
    edit that retired it.

    Thread safety: none of its own; one writer fills it, and it is destroyed
    or cleared by one thread.
*/
class garbage
{
public:
    /// Frees one retired pointer.
    using deleter = void (*)(void*) noexcept;

    garbage() noexcept = default;

    garbage(garbage&& other) noexcept
        : items_(std::move(other.items_))
    {
        other.items_.clear();
    }

    garbage& operator=(garbage&& other) noexcept
    {
        if(this != &other)
        {
            clear();
            items_ = std::move(other.items_);
            other.items_.clear();
        }
        return *this;
    }

    garbage(garbage const&) = delete;
    garbage& operator=(garbage const&) = delete;

    /// Frees everything retired into it.
    ~garbage()
    {
        clear();
    }

    /** Makes room for `n` more `retire` calls, which then cannot throw.

        Grows geometrically, so calling it before every edit costs amortised
        constant time.

        Exception safety: strong (`std::bad_alloc`).
    */
    void reserve_more(std::size_t n)
    {
        if(items_.capacity() - items_.size() < n)
            items_.reserve(std::max(items_.size() + n, 2 * items_.capacity()));
    }

    /** Adds `p`, to be freed with `d` when the garbage is cleared or destroyed.

        Complexity: amortised constant. Exception safety: strong
        (`std::bad_alloc`); no-throw after `reserve_more`.
    */
    void retire(void* p, deleter d)
    {
        items_.emplace_back(p, d);
    }

    /** Moves everything `other` holds into this garbage; `other` is left empty.

        Complexity: linear in `other.size()`. Exception safety: strong
        (`std::bad_alloc`): on failure both lists are unchanged.
    */
    void splice(garbage&& other)
    {
        if(this == &other)
            return;
        items_.insert(items_.end(), other.items_.begin(), other.items_.end());
        other.items_.clear();
    }

    /** Frees everything retired so far.

        Complexity: linear. Exception safety: no-throw.
    */
    void clear() noexcept
    {
        for(auto const& item : items_)
            item.second(item.first);
        items_.clear();
    }

    /** Forgets everything retired so far without freeing it: for an edit
        abandoned half-way (an exception), whose garbage holds nodes that
        the version it started from still reaches. What the abandoned edit
        allocated is leaked; nothing reachable is freed.

        Complexity: constant. Exception safety: no-throw.
    */
    void abandon() noexcept
    {
        items_.clear();
    }

    /// Whether nothing is retired.
    [[nodiscard]] bool empty() const noexcept
    {
        return items_.empty();
    }

    /// How many pointers are retired (nodes and values alike).
    [[nodiscard]] std::size_t size() const noexcept
    {
        return items_.size();
    }

private:
    std::vector<std::pair<void*, deleter>> items_;
};

/** The context of a series of edits that is published as one version.

    `id` identifies the nodes the edits create: a node whose id is the
    transaction's was made by this transaction, is not published yet, and
    may be changed in place by the next edit. `retired` receives what the
    edits replace. Take ids from `next_transaction_id()`.

    The caller's promise: once a version edited under a transaction is
    published (or a copy of its handle is kept as a version of its own),
    that transaction is over: later edits use a new id. Under one
    transaction, only the latest handle is edited, and a copy of a handle
    taken during the transaction is not read after the next edit (the edit
    may have changed the nodes they share in place).
*/
struct transaction
{
    std::uint64_t id;
    garbage& retired;
};

// Ids of transactions, unique in the process; 0 is never used.
inline std::atomic<std::uint64_t> transaction_ids{0};

/** A transaction id never returned before in this process (never 0).

    Complexity: constant. Exception safety: no-throw. Thread safety: may be
    called concurrently.
*/
inline std::uint64_t next_transaction_id() noexcept
{
    return transaction_ids.fetch_add(1, std::memory_order_relaxed) + 1;
}

inline unsigned popcount32(std::uint32_t x) noexcept
{
#if defined(__GNUC__) || defined(__clang__)
    return static_cast<unsigned>(__builtin_popcount(x));
#else
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    return static_cast<unsigned>((((x + (x >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24);
#endif
}

/** A persistent (immutable, structure-sharing) hash map: a CHAMP trie.

    Really a set of `Value`s keyed by `KeyOf{}(value)`, so the key is stored
    only inside its value. `Hash{}(key)` gives 64 bits of which each trie
    level uses 5, low bits first (13 levels); entries whose 64-bit hashes
    are equal share a collision node (a list) below the last level. The
    hash must be well mixed in every bit (a SHA-256 digest's first 8 bytes,
    or `mix_hash` of `std::hash`). `Equal{}(a, b)` compares keys. `KeyOf`,
    `Hash` and `Equal` are stateless, default-constructed where used, and
    must not throw.

    A `persistent_map` is a non-owning handle: a root pointer and a size,
    cheap to copy; copies share every node. Each value lives in its own
    allocation made by `assign`, after its key's hash, so a lookup or an
    insert that meets another entry never reads that entry's key unless
    the hashes are equal; a node holds two bitmaps, the id of the
    transaction that made it and then, in the same allocation, pointers to
    its values and to its child nodes. Nodes have no reference counts: a
    path copy is a plain copy of pointers, which never touches the memory
    of the children or values: an edit copies one path (at most 14 nodes,
    about log32 of the size) and nothing else, whatever the size. Its
    time still grows with the path and with cache misses on the way down:
    benchmarks/persistent_map_bench.cpp, Release clang 14, measured about
    100 ns at 1,000 entries, 200 ns at 100,000 and 225 to 250 ns at
    1,000,000.

    Memory: nothing is freed by a handle. An edit *retires* the nodes and
    the value it replaces into its transaction's `garbage`, which the owner
    keeps until no reader can reach them; nodes made and replaced within
    the same transaction were never published and are freed at once. The
    final version is freed by `free_all`. Every node and value is thus
    freed exactly once: by the garbage of the edit that replaced it, or by
    `free_all` on the last version.

    The trie is canonical (CHAMP): a node below the root holds at least two
    entries beneath it, so erasing entries gives memory back and the shape
    depends only on the set of hashes.

    Thread safety: the nodes of a published version are never written, so
    any number of threads may call the const members (`find`, `for_each`,
    `size`, `memory_bytes`) on versions they can reach, concurrently with a
    writer editing a newer version, without locks. Publication itself
    (an atomic pointer or a `snapshot`) must give release/acquire ordering.
    Edits of one handle are not synchronised.
*/
template<class Value, class KeyOf, class Hash, class Equal>
class persistent_map
{
public:
    using value_type = Value;
    using key_type = std::remove_cv_t<std::remove_reference_t<
        decltype(KeyOf{}(std::declval<Value const&>()))>>;

    /// Trie levels of 5 hash bits (0 .. 12); collision nodes are at this depth.
    static constexpr unsigned max_depth = 13;

    /// An empty map; `memory_bytes()` is 0.
    persistent_map() noexcept = default;

    /** The value whose key equals `key`, or null.

        The pointer is valid as long as this version is (until the garbage
        of the edit that replaces the value is freed, or `free_all`).

        Complexity: O(1): at most 13 levels and a collision list. Exception
        safety: no-throw; allocates nothing and writes no shared memory.
    */
    [[nodiscard]] Value const* find(key_type const& key) const noexcept
    {
        node const* n = root_;
        if(n == nullptr)
            return nullptr;
        std::uint64_t const h = hash_of(key);
        for(unsigned depth = 0; depth < max_depth; ++depth)
        {
            std::uint32_t const bit = bit_of(h, depth);
            if(n->datamap & bit)
            {
                Value const* v = data(n)[index_of(n->datamap, bit)];
                return matches(v, h, key) ? v : nullptr;
            }
            if((n->nodemap & bit) == 0)
                return nullptr;
            n = children(n)[index_of(n->nodemap, bit)];
        }
        for(std::uint32_t i = 0; i < n->datamap; ++i)
            if(matches(data(n)[i], h, key))
                return data(n)[i];
        return nullptr;
    }

    /// The number of values. Complexity: constant. Exception safety: no-throw.
    [[nodiscard]] std::size_t size() const noexcept
    {
        return size_;
    }

    /// Whether there are no values. Complexity: constant. Exception safety: no-throw.
    [[nodiscard]] bool empty() const noexcept
    {
        return size_ == 0;
    }

    /** Whether this handle and `other` have the same root node (or are
        both empty).

        Two handles of published versions that share their root are the
        same version. Within one transaction an edit that changes no node's
        shape (replacing a value) changes the root in place, so a handle
        copied before it still shares the root.

        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] bool shares_root_with(persistent_map const& other) const noexcept
    {
        return root_ == other.root_;
    }

    /** Calls `f(Value const&)` for every value, in an unspecified order.

        Complexity: linear. Exception safety: whatever `f` throws passes
        through; the map is unchanged.
    */
    template<class F>
    void for_each(F&& f) const
    {
        if(root_ != nullptr)
            visit(root_, 0, f);
    }

    /** Inserts `v`, or replaces the value whose key equals `v`'s.

        The handle then refers to the new version; other handles (earlier
        versions) are unchanged, unless they are earlier states of the same
        transaction (see `transaction`). The replaced value and the nodes
        copied are retired into `t.retired`; nodes of transaction `t` are
        changed in place when the shape of the node does not change.

        `stored`, if given, is set to the value now in the map (valid as
        long as this version is).

        @return The value replaced (alive until `t.retired` is freed), or
        null after an insertion.

        Complexity: O(1): at most 14 nodes allocated and copied, each of at
        most 32 pointers (plus a collision list), and one value allocated.
        Exception safety: strong: if it throws (`std::bad_alloc`, or what
        `Value`'s move constructor throws) the handle, every version and the
        garbage are unchanged.
    */
    Value const* assign(Value v, transaction& t, Value const** stored = nullptr)
    {
        std::uint64_t const h = hash_of(KeyOf{}(v));
        std::unique_ptr<Value, value_deleter> owned(make_value(std::move(v), h));
        Value const* const fresh = owned.get();
        if(stored != nullptr)
            *stored = fresh;
        t.retired.reserve_more(max_depth + 2);

        if(root_ == nullptr)
        {
            node* r = allocate(1, t.id);
            r->datamap = bit_of(h, 0);
            data(r)[0] = owned.release();
            root_ = r;
            size_ = 1;
            return nullptr;
        }

        // Find where the key goes; change nothing yet.
        enum class outcome { replace, insert, split, append };
        node* path[max_depth + 1] = {};
        std::uint32_t via[max_depth + 1] = {};
        unsigned k = 0;
        std::uint32_t bit = 0;
        unsigned slot = 0;
        outcome what = outcome::insert;
        for(node* n = root_;;)
        {
            path[k] = n;
            if(k == max_depth)
            {
                what = outcome::append;
                for(std::uint32_t i = 0; i < n->datamap; ++i)
                    if(matches(data(n)[i], h, KeyOf{}(*fresh)))
                    {
                        what = outcome::replace;
                        slot = i;
                        break;
                    }
                break;
            }
            bit = bit_of(h, k);
            if(n->datamap & bit)
            {
                slot = index_of(n->datamap, bit);
                what = matches(data(n)[slot], h, KeyOf{}(*fresh)) ? outcome::replace : outcome::split;
                break;
            }
            if((n->nodemap & bit) == 0)
            {
                what = outcome::insert;
                break;
            }
            via[k] = bit;
            n = children(n)[index_of(n->nodemap, bit)];
            ++k;
        }

        // Allocate every node the edit needs; on failure free them, nothing
        // else has changed.
        node_batch batch;
        node* const target = path[k];
        unsigned const slots = slot_count(target, k);
        node* bottom = nullptr; // replaces `target`, or null: `target` is changed in place
        std::uint64_t other_hash = 0;
        unsigned split_depth = 0;
        node* chain[max_depth + 1] = {}; // the new subtree of a split, by depth
        switch(what)
        {
        case outcome::replace:
            if(target->tx != t.id)
                bottom = batch.add(allocate(slots, t.id));
            break;
        case outcome::insert:
        case outcome::append:
            bottom = batch.add(allocate(slots + 1, t.id));
            break;
        case outcome::split:
            bottom = batch.add(allocate(slots, t.id));
            other_hash = stored_hash(data(target)[slot]);
            split_depth = k + 1;
            while(split_depth < max_depth && bit_of(h, split_depth) == bit_of(other_hash, split_depth))
                ++split_depth;
            for(unsigned d = k + 1; d <= split_depth; ++d)
                chain[d] = batch.add(allocate(d == split_depth ? 2 : 1, t.id));
            break;
        }
        node* copies[max_depth + 1] = {};
        for(unsigned i = 0; i < k; ++i)
            if(path[i]->tx != t.id)
                copies[i] = batch.add(allocate(slot_count(path[i], i), t.id));

        // Nothing below throws.
        batch.release();
        owned.release();
        Value const* replaced = nullptr;
        node* replacement = bottom != nullptr ? bottom : target;
        switch(what)
        {
        case outcome::replace:
            replaced = data(target)[slot];
            if(bottom != nullptr)
                copy_node(bottom, target, slots, t.id);
            data(replacement)[slot] = fresh;
            break;
        case outcome::insert:
            insert_data(bottom, target, bit, fresh);
            break;
        case outcome::append:
            std::memcpy(data(bottom), data(target), slots * sizeof(Value const*));
            data(bottom)[slots] = fresh;
            bottom->datamap = target->datamap + 1;
            break;
        case outcome::split:
        {
            Value const* const existing = data(target)[slot];
            node* sub = chain[split_depth];
            if(split_depth == max_depth)
            {
                sub->datamap = 2;
                data(sub)[0] = existing;
                data(sub)[1] = fresh;
            }
            else
            {
                std::uint32_t const mine = bit_of(h, split_depth);
                std::uint32_t const theirs = bit_of(other_hash, split_depth);
                sub->datamap = mine | theirs;
                data(sub)[0] = mine < theirs ? fresh : existing;
                data(sub)[1] = mine < theirs ? existing : fresh;
            }
            for(unsigned d = split_depth - 1; d > k; --d)
            {
                chain[d]->nodemap = bit_of(h, d);
                children(chain[d])[0] = sub;
                sub = chain[d];
            }
            data_to_child(bottom, target, bit, sub);
            break;
        }
        }
        if(bottom != nullptr)
            discard(target, t);
        root_ = relink(path, via, copies, k, replacement, t);
        if(replaced != nullptr)
            t.retired.retire(const_cast<Value*>(replaced), &delete_value);
        else
            ++size_;
        return replaced;
    }

    /** Removes the value whose key equals `key`, if there is one.

        The value and the nodes copied or dropped are retired into
        `t.retired`; a node left with a single entry is inlined into its
        parent, so memory comes back as the map shrinks.

        @return Whether a value was removed.

        Complexity: O(1), as `assign`. Exception safety: strong
        (`std::bad_alloc`); no allocation at all when the key is absent.
    */
    bool erase(key_type const& key, transaction& t)
    {
        if(root_ == nullptr)
            return false;
        std::uint64_t const h = hash_of(key);
        node* path[max_depth + 1] = {};
        std::uint32_t via[max_depth + 1] = {};
        unsigned k = 0;
        std::uint32_t bit = 0;
        unsigned slot = 0;
        for(node* n = root_;;)
        {
            path[k] = n;
            if(k == max_depth)
            {
                std::uint32_t i = 0;
                while(i < n->datamap && ! matches(data(n)[i], h, key))
                    ++i;
                if(i == n->datamap)
                    return false;
                slot = i;
                break;
            }
            bit = bit_of(h, k);
            if(n->datamap & bit)
            {
                slot = index_of(n->datamap, bit);
                if(! matches(data(n)[slot], h, key))
                    return false;
                break;
            }
            if((n->nodemap & bit) == 0)
                return false;
            via[k] = bit;
            n = children(n)[index_of(n->nodemap, bit)];
            ++k;
        }
        t.retired.reserve_more(max_depth + 2);

        // Which node changes shape (`shape`), and which value moves up into it.
        node* const target = path[k];
        Value const* const gone = data(target)[slot];
        Value const* lifted = nullptr;
        bool root_empties = false;
        unsigned shape = k;
        if(k == max_depth)
        {
            if(target->datamap == 2)
                lifted = data(target)[1 - slot];
        }
        else
        {
            unsigned const nd = popcount32(target->datamap);
            unsigned const nc = popcount32(target->nodemap);
            if(k > 0 && nd == 2 && nc == 0)
                lifted = data(target)[1 - slot];
            else if(k == 0 && nd == 1 && nc == 0)
                root_empties = true;
        }
        if(lifted != nullptr)
        {
            shape = k - 1;
            while(shape > 0 && path[shape]->datamap == 0 && popcount32(path[shape]->nodemap) == 1)
                --shape;
        }

        node_batch batch;
        node* reshaped = nullptr;
        if(! root_empties)
            reshaped = batch.add(allocate(slot_count(path[shape], shape) - (lifted != nullptr ? 0 : 1), t.id));
        node* copies[max_depth + 1] = {};
        for(unsigned i = 0; i < shape; ++i)
            if(path[i]->tx != t.id)
                copies[i] = batch.add(allocate(slot_count(path[i], i), t.id));

        // Nothing below throws.
        batch.release();
        if(root_empties)
        {
            discard(target, t);
            root_ = nullptr;
        }
        else
        {
            node* const old = path[shape];
            if(lifted != nullptr)
                child_to_data(reshaped, old, via[shape], lifted);
            else if(k == max_depth)
            {
                std::memcpy(data(reshaped), data(old), slot * sizeof(Value const*));
                std::memcpy(data(reshaped) + slot, data(old) + slot + 1, (old->datamap - slot - 1) * sizeof(Value const*));
                reshaped->datamap = old->datamap - 1;
            }
            else
                remove_data(reshaped, old, bit);
            for(unsigned i = shape; i <= k; ++i)
                discard(path[i], t);
            root_ = relink(path, via, copies, shape, reshaped, t);
        }
        t.retired.retire(const_cast<Value*>(gone), &delete_value);
        --size_;
        return true;
    }

    /** Frees every node and value reachable from this version and empties
        the handle.

        Only for the very last version, when its owner goes away: every
        other version's nodes are either shared with it or retired into a
        garbage. Other handles to this version dangle afterwards.

        Complexity: linear. Exception safety: no-throw.
    */
    void free_all() noexcept
    {
        if(root_ != nullptr)
            free_subtree(root_, 0);
        root_ = nullptr;
        size_ = 0;
    }

    /** The bytes of the node allocations reachable from this version
        (values excluded); 0 for an empty map.

        Complexity: linear in the number of nodes. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t memory_bytes() const noexcept
    {
        return root_ != nullptr ? subtree_bytes(root_, 0) : 0;
    }

private:
    // One allocation: the header, then the value pointers, then the child
    // pointers. A collision node (depth 13) keeps its entry count in
    // `datamap` and has no children.
    struct node
    {
        std::uint32_t datamap;
        std::uint32_t nodemap;
        std::uint64_t tx;
    };
    static_assert(sizeof(node) % alignof(void*) == 0, "node slots must be aligned");

    // Frees the nodes of an edit that failed before it changed anything.
    class node_batch
    {
    public:
        node_batch() noexcept = default;
        node_batch(node_batch const&) = delete;
        node_batch& operator=(node_batch const&) = delete;
        ~node_batch()
        {
            for(unsigned i = 0; i < count_; ++i)
                ::operator delete(nodes_[i]);
        }
        node* add(node* n) noexcept
        {
            nodes_[count_++] = n;
            return n;
        }
        void release() noexcept
        {
            count_ = 0;
        }

    private:
        node* nodes_[2 * (max_depth + 1)];
        unsigned count_ = 0;
    };

    template<class K>
    static std::uint64_t hash_of(K const& key) noexcept
    {
        return static_cast<std::uint64_t>(Hash{}(key));
    }

    static std::uint32_t bit_of(std::uint64_t h, unsigned depth) noexcept
    {
        return std::uint32_t{1} << static_cast<unsigned>((h >> (5 * depth)) & 31);
    }

    static unsigned index_of(std::uint32_t map, std::uint32_t bit) noexcept
    {
        return popcount32(map & (bit - 1));
    }

    static std::size_t node_bytes(unsigned slots) noexcept
    {
        return sizeof(node) + slots * sizeof(void*);
    }

    static unsigned slot_count(node const* n, unsigned depth) noexcept
    {
        if(depth == max_depth)
            return n->datamap;
        return popcount32(n->datamap) + popcount32(n->nodemap);
    }

    // The slots start right after the header.
    static unsigned char* slots_of(node* n) noexcept
    {
        return reinterpret_cast<unsigned char*>(n) + sizeof(node);
    }

    static unsigned char const* slots_of(node const* n) noexcept
    {
        return reinterpret_cast<unsigned char const*>(n) + sizeof(node);
    }

    static Value const** data(node* n) noexcept
    {
        return reinterpret_cast<Value const**>(slots_of(n));
    }

    static Value const* const* data(node const* n) noexcept
    {
        return reinterpret_cast<Value const* const*>(slots_of(n));
    }

    // Valid for bitmap nodes only.
    static node** children(node* n) noexcept
    {
        return reinterpret_cast<node**>(slots_of(n) + popcount32(n->datamap) * sizeof(void*));
    }

    static node* const* children(node const* n) noexcept
    {
        return reinterpret_cast<node* const*>(slots_of(n) + popcount32(n->datamap) * sizeof(void*));
    }

    // A node of `slots` slots with empty maps; the caller fills it.
    static node* allocate(unsigned slots, std::uint64_t tx)
    {
        node* n = static_cast<node*>(::operator new(node_bytes(slots)));
        n->datamap = 0;
        n->nodemap = 0;
        n->tx = tx;
        return n;
    }

    static void delete_node(void* p) noexcept
    {
        ::operator delete(p);
    }

    // Each value lives in its own allocation, after its key's hash: a
    // lookup that meets another entry on its way (or an insert that moves
    // one down) tells them apart by the hash, without reading the value,
    // whose key may be behind another pointer: at a million entries, each
    // such read is a cache miss.
    static constexpr std::size_t value_offset =
        (sizeof(std::uint64_t) + alignof(Value) - 1) / alignof(Value) * alignof(Value);
    static_assert(alignof(Value) <= alignof(std::max_align_t), "over-aligned values are not supported");

    static Value* make_value(Value&& v, std::uint64_t h)
    {
        void* const raw = ::operator new(value_offset + sizeof(Value));
        std::memcpy(raw, &h, sizeof h);
        try
        {
            return ::new(static_cast<void*>(static_cast<char*>(raw) + value_offset)) Value(std::move(v));
        }
        catch(...)
        {
            ::operator delete(raw);
            throw;
        }
    }

    static std::uint64_t stored_hash(Value const* v) noexcept
    {
        std::uint64_t h;
        std::memcpy(&h, reinterpret_cast<char const*>(v) - value_offset, sizeof h);
        return h;
    }

    // Whether the value `v` has the key `key`, whose hash is `h`.
    static bool matches(Value const* v, std::uint64_t h, key_type const& key) noexcept
    {
        return stored_hash(v) == h && Equal{}(KeyOf{}(*v), key);
    }

    static void delete_value(void* p) noexcept
    {
        auto* const v = static_cast<Value*>(p);
        v->~Value();
        ::operator delete(static_cast<void*>(reinterpret_cast<char*>(v) - value_offset));
    }

    struct value_deleter
    {
        void operator()(Value* v) const noexcept { delete_value(v); }
    };

    // A node the current edit replaced: freed now if this transaction made
    // it (no reader can have seen it), otherwise retired.
    static void discard(node* n, transaction& t) noexcept
    {
        if(n->tx == t.id)
            ::operator delete(n);
        else
            t.retired.retire(n, &delete_node);
    }

    static void copy_node(node* dst, node const* src, unsigned slots, std::uint64_t tx) noexcept
    {
        std::memcpy(static_cast<void*>(dst), src, node_bytes(slots));
        dst->tx = tx;
    }

    // Writes `replacement` for path[depth] into its ancestors, copying those
    // that `copies` holds a copy for and changing the others in place.
    // Returns the new root.
    static node* relink(node* const* path, std::uint32_t const* via, node* const* copies, unsigned depth,
        node* replacement, transaction& t) noexcept
    {
        for(unsigned i = depth; i-- > 0;)
        {
            node* const parent = path[i];
            unsigned const at = index_of(parent->nodemap, via[i]);
            if(copies[i] != nullptr)
            {
                copy_node(copies[i], parent, slot_count(parent, i), t.id);
                children(copies[i])[at] = replacement;
                discard(parent, t);
                replacement = copies[i];
            }
            else
            {
                children(parent)[at] = replacement;
                replacement = parent;
            }
        }
        return replacement;
    }

    // dst = src with value `v` added under `bit`.
    static void insert_data(node* dst, node const* src, std::uint32_t bit, Value const* v) noexcept
    {
        unsigned const nd = popcount32(src->datamap);
        unsigned const nc = popcount32(src->nodemap);
        unsigned const at = index_of(src->datamap, bit);
        dst->datamap = src->datamap | bit;
        dst->nodemap = src->nodemap;
        Value const** d = data(dst);
        std::memcpy(d, data(src), at * sizeof(void*));
        d[at] = v;
        std::memcpy(d + at + 1, data(src) + at, (nd - at) * sizeof(void*));
        std::memcpy(d + nd + 1, children(src), nc * sizeof(void*));
    }

    // dst = src without the value under `bit`.
    static void remove_data(node* dst, node const* src, std::uint32_t bit) noexcept
    {
        unsigned const nd = popcount32(src->datamap);
        unsigned const nc = popcount32(src->nodemap);
        unsigned const at = index_of(src->datamap, bit);
        dst->datamap = src->datamap & ~bit;
        dst->nodemap = src->nodemap;
        Value const** d = data(dst);
        std::memcpy(d, data(src), at * sizeof(void*));
        std::memcpy(d + at, data(src) + at + 1, (nd - at - 1) * sizeof(void*));
        std::memcpy(d + nd - 1, children(src), nc * sizeof(void*));
    }

    // dst = src with the value under `bit` replaced by the subnode `child`.
    static void data_to_child(node* dst, node const* src, std::uint32_t bit, node* child) noexcept
    {
        unsigned const nd = popcount32(src->datamap);
        unsigned const nc = popcount32(src->nodemap);
        unsigned const at = index_of(src->datamap, bit);
        unsigned const cat = index_of(src->nodemap, bit);
        dst->datamap = src->datamap & ~bit;
        dst->nodemap = src->nodemap | bit;
        Value const** d = data(dst);
        std::memcpy(d, data(src), at * sizeof(void*));
        std::memcpy(d + at, data(src) + at + 1, (nd - at - 1) * sizeof(void*));
        node** c = reinterpret_cast<node**>(slots_of(dst) + (nd - 1) * sizeof(void*));
        node* const* sc = children(src);
        std::memcpy(c, sc, cat * sizeof(void*));
        c[cat] = child;
        std::memcpy(c + cat + 1, sc + cat, (nc - cat) * sizeof(void*));
    }

    // dst = src with the subnode under `bit` replaced by the value `v`.
    static void child_to_data(node* dst, node const* src, std::uint32_t bit, Value const* v) noexcept
    {
        unsigned const nd = popcount32(src->datamap);
        unsigned const nc = popcount32(src->nodemap);
        unsigned const at = index_of(src->datamap, bit);
        unsigned const cat = index_of(src->nodemap, bit);
        dst->datamap = src->datamap | bit;
        dst->nodemap = src->nodemap & ~bit;
        Value const** d = data(dst);
        std::memcpy(d, data(src), at * sizeof(void*));
        d[at] = v;
        std::memcpy(d + at + 1, data(src) + at, (nd - at) * sizeof(void*));
        node** c = reinterpret_cast<node**>(slots_of(dst) + (nd + 1) * sizeof(void*));
        node* const* sc = children(src);
        std::memcpy(c, sc, cat * sizeof(void*));
        std::memcpy(c + cat, sc + cat + 1, (nc - cat - 1) * sizeof(void*));
    }

    template<class F>
    static void visit(node const* n, unsigned depth, F& f)
    {
        if(depth == max_depth)
        {
            for(std::uint32_t i = 0; i < n->datamap; ++i)
                f(*data(n)[i]);
            return;
        }
        unsigned const nd = popcount32(n->datamap);
        unsigned const nc = popcount32(n->nodemap);
        for(unsigned i = 0; i < nd; ++i)
            f(*data(n)[i]);
        for(unsigned i = 0; i < nc; ++i)
            visit(children(n)[i], depth + 1, f);
    }

    static void free_subtree(node* n, unsigned depth) noexcept
    {
        unsigned const nd = depth == max_depth ? n->datamap : popcount32(n->datamap);
        for(unsigned i = 0; i < nd; ++i)
            delete_value(const_cast<Value*>(data(n)[i]));
        if(depth < max_depth)
        {
            unsigned const nc = popcount32(n->nodemap);
            for(unsigned i = 0; i < nc; ++i)
                free_subtree(children(n)[i], depth + 1);
        }
        ::operator delete(n);
    }

    static std::size_t subtree_bytes(node const* n, unsigned depth) noexcept
    {
        std::size_t bytes = node_bytes(slot_count(n, depth));
        if(depth < max_depth)
        {
            unsigned const nc = popcount32(n->nodemap);
            for(unsigned i = 0; i < nc; ++i)
                bytes += subtree_bytes(children(n)[i], depth + 1);
        }
        return bytes;
    }

    node* root_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
