// A flat hash table for the per-packet hot path: open addressing with linear probing over 8-byte
// slots (32-bit hash + entry index) and a dense entry array with a free list, so a lookup touches
// one or two cache lines and nothing is allocated per insert once the table has grown.
// Entry indexes stay valid until that entry is erased; references to keys and values do not
// survive a find_or_insert (the entry array may move). Keys are trivially copyable structs whose
// padding the caller zeroes (they are hashed and compared as bytes).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace nd::pcap {

inline uint64_t mix64(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Hashes 8-byte words fed one at a time: each is multiplied by its own odd constant (the
// multiplies are independent, so they run in parallel), the products are xored, and one 128-bit
// multiply folds the high bits into the low ones that pick the slot.
class WordHash {
 public:
  explicit WordHash(size_t words) : h_(words * 8) {}
  void add(uint64_t w) {
    constexpr uint64_t kMul[4] = {0xa0761d6478bd642full, 0xe7037ed1a0b428dbull,
                                  0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull};
    h_ ^= (w + 8 * i_) * kMul[i_ & 3];
    ++i_;
  }
  uint32_t done() const {
    uint64_t h = mix64(h_, 0x9e3779b97f4a7c15ull);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

 private:
  uint64_t h_;
  size_t i_ = 0;
};

inline uint32_t hash_words(const uint64_t* w, size_t n) {
  WordHash h(n);
  for (size_t i = 0; i < n; ++i) h.add(w[i]);
  return h.done();
}

// Hashes a key's bytes, zero-padded to whole words.
template <class Key>
uint32_t hash_bytes(const Key& k) {
  static_assert(std::is_trivially_copyable_v<Key>);
  constexpr size_t n = (sizeof(Key) + 7) / 8;
  uint64_t w[n] = {};
  std::memcpy(w, &k, sizeof(Key));
  return hash_words(w, n);
}

// Byte equality without a call to memcmp: keys are small and their size is known.
template <class Key>
bool key_equal(const Key& a, const Key& b) {
  const auto* x = reinterpret_cast<const unsigned char*>(&a);
  const auto* y = reinterpret_cast<const unsigned char*>(&b);
  if constexpr (sizeof(Key) % 8 == 0) {
    uint64_t diff = 0;
    for (size_t i = 0; i < sizeof(Key); i += 8) {
      uint64_t u, v;
      std::memcpy(&u, x + i, 8);
      std::memcpy(&v, y + i, 8);
      diff |= u ^ v;
    }
    return diff == 0;
  } else {
    return std::memcmp(x, y, sizeof(Key)) == 0;
  }
}

template <class Key, class Value>
class FlatTable {
 public:
  static constexpr uint32_t npos = UINT32_MAX;

  explicit FlatTable(size_t initial_slots = 1024) { rehash(round_up(initial_slots)); }

  size_t size() const { return size_; }
  size_t capacity() const { return entries_.size(); }

  uint32_t find(const Key& k) const { return find(k, hash_bytes(k)); }
  uint32_t find(const Key& k, uint32_t h) const {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      uint64_t s = slots_[i];
      if (s == 0) return npos;
      if (static_cast<uint32_t>(s >> 32) == h) {
        uint32_t idx = static_cast<uint32_t>(s) - 1;
        if (key_equal(entries_[idx].key, k)) return idx;
      }
    }
  }

  // The entry for `k`, created value-initialised when missing (`inserted` says which).
  uint32_t find_or_insert(const Key& k, bool& inserted) { return find_or_insert(k, hash_bytes(k), inserted); }
  uint32_t find_or_insert(const Key& k, uint32_t h, bool& inserted) {
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      uint64_t s = slots_[i];
      if (s == 0) break;
      if (static_cast<uint32_t>(s >> 32) == h) {
        uint32_t idx = static_cast<uint32_t>(s) - 1;
        if (key_equal(entries_[idx].key, k)) {
          inserted = false;
          return idx;
        }
      }
    }
    inserted = true;
    uint32_t idx;
    if (!free_.empty()) {
      idx = free_.back();
      free_.pop_back();
    } else {
      idx = static_cast<uint32_t>(entries_.size());
      entries_.emplace_back();
    }
    Entry& e = entries_[idx];
    e.key = k;
    e.value = Value{};
    e.hash = h;
    e.live = true;
    ++size_;
    if ((size_ + 1) * 2 > slots_.size()) {
      rehash(slots_.size() * 2);  // places every live entry, this one included
    } else {
      slots_[i] = static_cast<uint64_t>(h) << 32 | (idx + 1u);
    }
    return idx;
  }

  // Prefetching for a pipelined caller: first the slot a lookup of hash `h` starts at, then, once
  // that line has arrived, the first entry whose slot carries the same hash.
  void prefetch_slot(uint32_t h) const { __builtin_prefetch(&slots_[h & mask_]); }
  void prefetch_entry(uint32_t h) const {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      uint64_t s = slots_[i];
      if (s == 0) return;
      if (static_cast<uint32_t>(s >> 32) == h) {
        const char* e = reinterpret_cast<const char*>(&entries_[static_cast<uint32_t>(s) - 1]);
        __builtin_prefetch(e);
        __builtin_prefetch(e + 64);
        return;
      }
    }
  }

  void erase(uint32_t idx) {
    Entry& e = entries_[idx];
    if (!e.live) return;
    size_t i = e.hash & mask_;
    while (static_cast<uint32_t>(slots_[i]) != idx + 1u) i = (i + 1) & mask_;
    // Backward-shift deletion: pull later entries of the probe run into the hole, so lookups
    // never need tombstones.
    for (size_t j = i;;) {
      j = (j + 1) & mask_;
      uint64_t s = slots_[j];
      if (s == 0) break;
      size_t home = static_cast<uint32_t>(s >> 32) & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = s;
        i = j;
      }
    }
    slots_[i] = 0;
    e.live = false;
    e.value = Value{};  // release what the value owns now, not when the slot is reused
    free_.push_back(idx);
    --size_;
  }

  Key& key(uint32_t idx) { return entries_[idx].key; }
  const Key& key(uint32_t idx) const { return entries_[idx].key; }
  Value& value(uint32_t idx) { return entries_[idx].value; }
  const Value& value(uint32_t idx) const { return entries_[idx].value; }
  bool live(uint32_t idx) const { return idx < entries_.size() && entries_[idx].live; }

  // Calls f(index) for every live entry. f may erase the entry it is given, nothing else.
  template <class F>
  void for_each(F&& f) {
    for (uint32_t idx = 0; idx < entries_.size(); ++idx) {
      if (entries_[idx].live) f(idx);
    }
  }

 private:
  struct Entry {  // the key and the value's first bytes share a cache line (aligning entries to
                  // 64 bytes was tried: more memory, no faster)
    Key key{};
    uint32_t hash = 0;
    bool live = false;
    Value value{};
  };

  static size_t round_up(size_t n) {
    size_t c = 16;
    while (c < n) c *= 2;
    return c;
  }

  void rehash(size_t n) {
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (uint32_t idx = 0; idx < entries_.size(); ++idx) {
      if (!entries_[idx].live) continue;
      size_t i = entries_[idx].hash & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = static_cast<uint64_t>(entries_[idx].hash) << 32 | (idx + 1u);
    }
  }

  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  size_t size_ = 0;
};

}  // namespace nd::pcap
