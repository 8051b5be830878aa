// Stand-in for Vitis HLS's hls_streamofblocks.h, for C simulation with a host
// compiler. The semantics UG1399 gives ("Specifying Arrays as Stream-of-Blocks"):
//
//   hls::stream_of_blocks<B, DEPTH> s;   // B an array type, DEPTH blocks in all
//   { hls::write_lock<B> w(s); w[i][j] = ...; }   // acquire a free block, fill
//                                                // it, release it to the reader
//   { hls::read_lock<B> r(s); ... = r[i][j]; }    // acquire the oldest written
//                                                // block, release it when done
//
// DEPTH counts every block, the ones the writer and the reader hold included.
// In the concurrent mode a write_lock waits while all DEPTH blocks are taken
// and a read_lock while none is written; in the sequential mode (Vitis csim,
// processes one after another) the stream is unbounded and a read_lock on an
// empty stream is an error, as for hls::stream.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "dato_csim.h"

namespace hls {

template <typename B>
class write_lock;
template <typename B>
class read_lock;

template <typename B, int DEPTH = 2>
class stream_of_blocks {
  static_assert(std::is_array<B>::value, "a stream of blocks carries arrays");
  static_assert(DEPTH >= 1, "a stream of blocks holds at least one block");

 public:
  explicit stream_of_blocks(const char* name = "stream_of_blocks") : name_(name) {}
  stream_of_blocks(const stream_of_blocks&) = delete;
  stream_of_blocks& operator=(const stream_of_blocks&) = delete;
  ~stream_of_blocks() {
    if (!written_.empty()) dato_csim::leftover(name_, written_.size());
  }

  bool empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    return written_.empty();
  }

  bool full() {
    std::lock_guard<std::mutex> lock(mutex_);
    return dato_csim::concurrent() && taken_ >= DEPTH;
  }

 private:
  struct Block {
    B data;
  };
  friend class write_lock<B>;
  friend class read_lock<B>;

  // the writer's side: a free block (waits while all DEPTH are taken)
  Block* acquire_free() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (dato_csim::concurrent() && taken_ >= DEPTH) {
      dato_csim::Blocked blocked(name_, "acquiring a block of", "all blocks taken",
                                 [this] { return taken_.load() >= DEPTH; });
      changed_.wait(lock, [this] { return taken_ < DEPTH; });
    }
    taken_++;
    return new Block();
  }

  void release_written(Block* block) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      written_.emplace_back(block);
      ready_.store(written_.size());
    }
    changed_.notify_all();
  }

  // the reader's side: the oldest written block (waits while there is none)
  Block* acquire_written() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (written_.empty()) {
      if (!dato_csim::concurrent()) dato_csim::read_while_empty(name_);
      dato_csim::Blocked blocked(name_, "reading a block of", "empty",
                                 [this] { return ready_.load() == 0; });
      changed_.wait(lock, [this] { return !written_.empty(); });
    }
    Block* block = written_.front().release();
    written_.pop_front();
    ready_.store(written_.size());
    return block;
  }

  void release_free(Block* block) {
    delete block;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      taken_--;
    }
    changed_.notify_all();
  }

  std::string name_;
  std::deque<std::unique_ptr<Block>> written_;
  // blocks held by the writer, written, or held by the reader; and written
  // ones (atomics: the deadlock watchdog reads them without the lock)
  std::atomic<int> taken_{0};
  std::atomic<std::size_t> ready_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
};

template <typename B>
class write_lock {
 public:
  // the block starts where its data does (`data` is Block's only member)
  template <int DEPTH>
  explicit write_lock(stream_of_blocks<B, DEPTH>& s)
      : block_(&s.acquire_free()->data),
        release_([&s, this]() {
          s.release_written(
              reinterpret_cast<typename stream_of_blocks<B, DEPTH>::Block*>(block_));
        }) {}
  ~write_lock() { release_(); }
  write_lock(const write_lock&) = delete;
  write_lock& operator=(const write_lock&) = delete;

  typename std::remove_extent<B>::type& operator[](std::size_t i) { return (*block_)[i]; }
  operator B&() { return *block_; }

 private:
  B* block_;
  std::function<void()> release_;
};

template <typename B>
class read_lock {
 public:
  template <int DEPTH>
  explicit read_lock(stream_of_blocks<B, DEPTH>& s)
      : block_(&s.acquire_written()->data),
        release_([&s, this]() {
          s.release_free(reinterpret_cast<typename stream_of_blocks<B, DEPTH>::Block*>(block_));
        }) {}
  ~read_lock() { release_(); }
  read_lock(const read_lock&) = delete;
  read_lock& operator=(const read_lock&) = delete;

  const typename std::remove_extent<B>::type& operator[](std::size_t i) const {
    return (*block_)[i];
  }
  operator const B&() const { return *block_; }

 private:
  B* block_;
  std::function<void()> release_;
};

}  // namespace hls
