// dato-xdsl's C simulation runtime: runs a dataflow region's processes either
// one after another (DATO_CSIM_MODE=sequential, as Vitis csim does) or one
// thread each (DATO_CSIM_MODE=concurrent, the default), and in the concurrent
// mode reports a deadlock (every live process blocked on a stream, with no
// progress over several checks) or a run longer than DATO_CSIM_TIMEOUT seconds,
// naming the blocked processes and streams. Exit status: 3 deadlock, 4 time
// limit, 5 a sequential run read an empty stream.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dato_csim {

struct State {
  std::mutex mutex;
  int live = 0;
  int blocked = 0;
  unsigned long epoch = 0;  // changes whenever a process blocks, wakes or ends
  std::map<std::string, std::string> waits;  // process -> what it waits for
  // process -> whether its wait is still unsatisfied (lock-free: reads atomics)
  std::map<std::string, std::function<bool()>> stuck;
  bool concurrent = true;
  double timeout = 60.0;
  State() {
#ifdef DATO_CSIM
    const char* mode = std::getenv("DATO_CSIM_MODE");
    concurrent = !(mode != nullptr && std::string(mode) == "sequential");
#else
    // compiled as Vitis csim compiles it (no DATO_CSIM): processes are plain
    // calls, one after another, so streams must be unbounded
    concurrent = false;
#endif
    const char* limit = std::getenv("DATO_CSIM_TIMEOUT");
    if (limit != nullptr) timeout = std::atof(limit);
  }
};

inline State& state() {
  static State s;
  return s;
}

inline bool concurrent() { return state().concurrent; }

inline std::string& current_process() {
  thread_local std::string name = "top";
  return name;
}

inline void leftover(const std::string& stream, std::size_t n) {
  std::fprintf(stderr, "warning: stream '%s' holds %zu element(s) nobody read\n", stream.c_str(),
               n);
}

[[noreturn]] inline void read_while_empty(const std::string& stream) {
  std::fprintf(stderr,
               "error: sequential C simulation: process '%s' reads stream '%s', which is empty. "
               "The sequential mode runs the dataflow processes one after another, as Vitis "
               "csim does, so a process cannot read what a later process (or itself, around a "
               "cycle) has not written yet; run the concurrent mode to simulate the processes "
               "running together\n",
               current_process().c_str(), stream.c_str());
  std::fflush(stderr);
  std::_Exit(5);
}

[[noreturn]] inline void read_before_written(const std::string& buffer) {
  std::fprintf(stderr,
               "error: sequential C simulation: process '%s' reads buffer '%s' before the "
               "process writing it has run. The sequential mode runs the dataflow processes "
               "one after another, as Vitis csim does\n",
               current_process().c_str(), buffer.c_str());
  std::fflush(stderr);
  std::_Exit(5);
}

// Marks the current process blocked on a stream while it is in scope. `stuck`
// tells whether its wait is still unsatisfied: a process another one has
// already woken but the OS has not yet run (a loaded machine) is not
// deadlocked, though it is still in scope here.
class Blocked {
 public:
  Blocked(const std::string& stream, const char* doing, const char* why,
          std::function<bool()> stuck) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.blocked++;
    s.epoch++;
    s.waits[current_process()] = std::string(doing) + " '" + stream + "' (" + why + ")";
    s.stuck[current_process()] = std::move(stuck);
  }
  ~Blocked() {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.blocked--;
    s.epoch++;
    s.waits.erase(current_process());
    s.stuck.erase(current_process());
  }
  Blocked(const Blocked&) = delete;
  Blocked& operator=(const Blocked&) = delete;
};

[[noreturn]] inline void report(const char* what, const std::string& region, int status) {
  State& s = state();
  std::fprintf(stderr, "error: %s in dataflow region '%s': %d of %d live process(es) blocked\n",
               what, region.c_str(), s.blocked, s.live);
  for (const auto& entry : s.waits)
    std::fprintf(stderr, "  process '%s' is blocked %s\n", entry.first.c_str(),
                 entry.second.c_str());
  std::fflush(stderr);
  std::_Exit(status);
}

// The handshake of a pipo (a ping-pong buffer between two processes): the
// writer posts when it has finished, the reader waits for that before it
// starts. Synthesis sees only the plain array (dato_hls.h).
class Pipo {
 public:
  explicit Pipo(const char* name) : name_(name) {}
  Pipo(const Pipo&) = delete;
  Pipo& operator=(const Pipo&) = delete;

  void post() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      written_ = true;
    }
    done_.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (written_) return;
    if (!concurrent()) read_before_written(name_);
    Blocked blocked(name_, "waiting for buffer", "not written yet",
                    [this] { return !written_.load(); });
    done_.wait(lock, [this] { return written_.load(); });
  }

 private:
  std::string name_;
  std::atomic<bool> written_{false};
  std::mutex mutex_;
  std::condition_variable done_;
};

// The pipos a process waits for or posts: `pipos (a_sync, b_sync)` in the top
template <typename... P>
std::vector<Pipo*> pipos(P&... pipo) {
  return std::vector<Pipo*>{&pipo...};
}

// How a process call keeps an argument until its thread runs, by the kind of
// the parameter: a reference (a stream) and a pointer (an array) by address, a
// literal (`const int`) by value. One flat array of these, not a std::tuple: a
// load process takes a stream per instance, and a tuple of a thousand types
// exceeds g++'s template depth
struct Arg {
  void* ptr;
  long long num;
};

template <typename T>
struct Pass {  // a literal
  static Arg hold(T value) { return Arg{nullptr, static_cast<long long>(value)}; }
  static T get(const Arg& a) { return static_cast<T>(a.num); }
};
template <typename T>
struct Pass<T&> {  // a stream
  static Arg hold(T& ref) { return Arg{&ref, 0}; }
  static T& get(const Arg& a) { return *static_cast<T*>(a.ptr); }
};
template <typename T>
struct Pass<T*> {  // an array
  static Arg hold(T* ptr) { return Arg{const_cast<void*>(static_cast<const void*>(ptr)), 0}; }
  static T* get(const Arg& a) { return static_cast<T*>(a.ptr); }
};

// One process call: the function and its arguments. Its type depends on the
// function's parameter types only, so every call of one process function
// shares one template instance (one std::function, one thread body)
template <typename... P>
class Call {
 public:
  template <typename... A>
  explicit Call(void (*f)(P...), A&&... args)
      : f_(f), args_{Pass<P>::hold(std::forward<A>(args))...} {}
  void operator()() { apply(std::index_sequence_for<P...>()); }

 private:
  template <std::size_t... I>
  void apply(std::index_sequence<I...>) {
    f_(Pass<P>::get(args_[I])...);
  }
  void (*f_)(P...);
  std::vector<Arg> args_;
};

// One dataflow region: runs its processes and waits for them.// One dataflow region: runs its processes and waits for them.
class Region {
 public:
  explicit Region(const char* name) : name_(name) {}
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  // `DATO_PROCESS(instance, f, args...)`: f(args...) as one dataflow process
  template <typename... P, typename... A>
  __attribute__((noinline)) void process(const char* name, void (*f)(P...), A&&... args) {
    run(name, Call<P...>(f, std::forward<A>(args)...));
  }

  // a process that waits for the pipos it reads to be written and posts the
  // ones it writes when it ends
  template <typename... P, typename... A>
  __attribute__((noinline)) void process_pipo(const char* name, std::vector<Pipo*> waits,
                                              std::vector<Pipo*> posts, void (*f)(P...),
                                              A&&... args) {
    Call<P...> call(f, std::forward<A>(args)...);
    run(name, [waits, posts, call]() mutable {
      for (Pipo* pipo : waits) pipo->wait();
      call();
      for (Pipo* pipo : posts) pipo->post();
    });
  }

  void run(const char* name, std::function<void()> body) {
    if (!concurrent()) {
      current_process() = name;
      body();
      current_process() = "top";
      return;
    }
    State& s = state();
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.live++;
      s.epoch++;
    }
    std::string process_name = name;
    threads_.emplace_back([body = std::move(body), process_name]() {
      current_process() = process_name;
      body();
      State& st = state();
      std::lock_guard<std::mutex> lock(st.mutex);
      st.live--;
      st.epoch++;
    });
  }

  void join() {
    if (!concurrent()) return;
    State& s = state();
    auto start = std::chrono::steady_clock::now();
    unsigned long last = ~0ul;
    int stable = 0;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(s.mutex);
      if (s.live == 0) break;
      // a deadlock: every live process blocked on a wait still unsatisfied, and
      // nothing moved since the last checks
      bool all_stuck = true;
      for (const auto& entry : s.stuck) all_stuck = all_stuck && entry.second();
      if (s.blocked == s.live && s.epoch == last && all_stuck) {
        if (++stable >= 3) report("deadlock", name_, 3);
      } else {
        stable = 0;
      }
      last = s.epoch;
      double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (elapsed > s.timeout) report("time limit exceeded", name_, 4);
    }
    for (auto& t : threads_) t.join();
  }

 private:
  std::string name_;
  std::vector<std::thread> threads_;
};

}  // namespace dato_csim
