// Stand-in for Vitis HLS's hls_stream.h, for C simulation with a host compiler.
//
// hls::stream<T, DEPTH> is a FIFO. In the sequential mode (what Vitis csim does
// with a dataflow region: processes run one after another) it is unbounded and
// reading it empty is an error. In the concurrent mode (one thread per process)
// it holds at most DEPTH elements; read blocks while empty, write while full,
// and dato_csim.h reports a deadlock when every process is blocked.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>

#include "dato_csim.h"

namespace hls {

template <typename T, int DEPTH = 0>
class stream;

template <typename T>
class stream<T, 0> {
 public:
  explicit stream(const char* name = "stream") : name_(name) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() {
    if (!queue_.empty()) dato_csim::leftover(name_, queue_.size());
  }

  T read() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (queue_.empty()) {
      if (!dato_csim::concurrent()) dato_csim::read_while_empty(name_);
      dato_csim::Blocked blocked(name_, "reading", "empty", [this] { return size_.load() == 0; });
      not_empty_.wait(lock, [this] { return !queue_.empty(); });
    }
    T value = queue_.front();
    queue_.pop_front();
    size_.store(queue_.size());
    lock.unlock();
    not_full_.notify_one();
    return value;
  }

  void read(T& value) { value = read(); }

  void write(const T& value) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (dato_csim::concurrent() && capacity_ > 0 && queue_.size() >= capacity_) {
      dato_csim::Blocked blocked(name_, "writing", "full",
                                 [this] { return size_.load() >= capacity_; });
      not_full_.wait(lock, [this] { return queue_.size() < capacity_; });
    }
    queue_.push_back(value);
    size_.store(queue_.size());
    lock.unlock();
    not_empty_.notify_one();
  }

  bool empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.empty();
  }

  bool full() {
    std::lock_guard<std::mutex> lock(mutex_);
    return dato_csim::concurrent() && capacity_ > 0 && queue_.size() >= capacity_;
  }

  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
  }

  stream& operator>>(T& value) {
    value = read();
    return *this;
  }

  stream& operator<<(const T& value) {
    write(value);
    return *this;
  }

 protected:
  std::string name_;
  std::size_t capacity_ = 0;  // 0: unbounded (a stream declared without a depth)

 private:
  std::deque<T> queue_;
  std::atomic<std::size_t> size_{0};  // queue_.size(), for the deadlock watchdog
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
};

template <typename T, int DEPTH>
class stream : public stream<T, 0> {
 public:
  explicit stream(const char* name = "stream") : stream<T, 0>(name) { this->capacity_ = DEPTH; }
};

}  // namespace hls
