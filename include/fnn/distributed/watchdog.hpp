#pragma once
// Watchdog: a bound on how long one process waits in a collective. A process that dies makes mpirun end
// the job, but one that stops or hangs while alive (a stopped process, a frozen machine, a lost link)
// leaves every other process waiting in its next collective forever. The communicator arms the watchdog
// around each collective; when one has waited longer than the timeout, the watchdog calls `expired`
// (from its own thread) with the collective's name, and that ends the process.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fnn::distributed {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  using Expired = std::function<void(const char* collective, double waited_seconds)>;

  Watchdog(std::chrono::duration<double> timeout, Expired expired)
      : timeout_(std::chrono::duration_cast<Clock::duration>(timeout)), expired_(std::move(expired)),
        thread_([this] { watch(); }) {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  double timeout_seconds() const { return std::chrono::duration<double>(timeout_).count(); }

  // Watches one collective from construction to destruction.
  class Watch {
   public:
    Watch(Watchdog& dog, const char* collective) : dog_(dog) { dog_.arm(collective); }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    ~Watch() { dog_.arm(nullptr); }

   private:
    Watchdog& dog_;
  };

 private:
  void arm(const char* collective) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      collective_ = collective;
      deadline_ = Clock::now() + timeout_;
    }
    wake_.notify_one();
  }

  void watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (!collective_) {
        wake_.wait(lock);
      } else if (Clock::now() < deadline_) {
        wake_.wait_until(lock, deadline_);
      } else {
        const char* collective = collective_;
        collective_ = nullptr;  // report each expiry once
        lock.unlock();
        expired_(collective, timeout_seconds());
        lock.lock();
      }
    }
  }

  const Clock::duration timeout_;
  const Expired expired_;
  std::mutex mutex_;
  std::condition_variable wake_;
  const char* collective_ = nullptr;  // the collective being waited for; null between collectives
  Clock::time_point deadline_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members it reads are constructed
};

}  // namespace fnn::distributed
