// A FIFO of items that share one timeout, so the head always expires first and
// expiry is O(1) (Apache event's timeout queues). Items are intrusive.
#pragma once

#include "util/clock.hpp"

namespace mpmd::mpm::event {

struct QueueLink {
  QueueLink* prev = nullptr;
  QueueLink* next = nullptr;
  util::Usec deadline = 0;
  struct TimeoutQueue* queue = nullptr;
};

struct TimeoutQueue {
  util::Usec timeout = 0;
  QueueLink* head = nullptr;
  QueueLink* tail = nullptr;
  size_t count = 0;

  // Moves `link` to the tail of this queue with deadline now + timeout.
  void push(QueueLink* link, util::Usec now) {
    if (link->queue) link->queue->remove(link);
    link->deadline = now + timeout;
    link->queue = this;
    link->prev = tail;
    link->next = nullptr;
    if (tail)
      tail->next = link;
    else
      head = link;
    tail = link;
    ++count;
  }

  void remove(QueueLink* link) {
    if (link->prev)
      link->prev->next = link->next;
    else
      head = link->next;
    if (link->next)
      link->next->prev = link->prev;
    else
      tail = link->prev;
    link->prev = link->next = nullptr;
    link->queue = nullptr;
    --count;
  }

  // The first item whose deadline has passed, or nullptr.
  QueueLink* expired(util::Usec now) const {
    return head && head->deadline <= now ? head : nullptr;
  }
};

}  // namespace mpmd::mpm::event
