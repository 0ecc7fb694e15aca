#include "mpm/event/timeout_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mpmd::mpm::event {
namespace {

std::vector<QueueLink*> items(const TimeoutQueue& q) {
  std::vector<QueueLink*> out;
  for (QueueLink* l = q.head; l; l = l->next) out.push_back(l);
  return out;
}

TEST(TimeoutQueue, ExpiresInOrderOfPush) {
  TimeoutQueue q;
  q.timeout = 5;
  QueueLink a, b, c;
  q.push(&a, 100);
  q.push(&b, 101);
  q.push(&c, 103);
  EXPECT_EQ(q.count, 3u);
  EXPECT_EQ(a.deadline, 105);
  EXPECT_EQ(q.expired(104), nullptr);
  EXPECT_EQ(q.expired(105), &a);
  q.remove(&a);
  EXPECT_EQ(q.expired(105), nullptr);  // b's deadline is 106
  EXPECT_EQ(q.expired(110), &b);
  EXPECT_EQ(items(q), (std::vector<QueueLink*>{&b, &c}));
}

TEST(TimeoutQueue, PushAgainMovesToTheTailWithANewDeadline) {
  TimeoutQueue q;
  q.timeout = 10;
  QueueLink a, b;
  q.push(&a, 0);
  q.push(&b, 1);
  q.push(&a, 5);  // activity on a: it goes to the back
  EXPECT_EQ(items(q), (std::vector<QueueLink*>{&b, &a}));
  EXPECT_EQ(q.count, 2u);
  EXPECT_EQ(a.deadline, 15);
  EXPECT_EQ(q.expired(11), &b);
}

TEST(TimeoutQueue, PushMovesBetweenQueues) {
  TimeoutQueue keepalive, active;
  keepalive.timeout = 5'000'000;
  active.timeout = 60'000'000;
  QueueLink a;
  keepalive.push(&a, 0);
  active.push(&a, 1);
  EXPECT_EQ(keepalive.count, 0u);
  EXPECT_EQ(keepalive.head, nullptr);
  EXPECT_EQ(keepalive.tail, nullptr);
  EXPECT_EQ(active.count, 1u);
  EXPECT_EQ(a.queue, &active);
  EXPECT_EQ(a.deadline, 60'000'001);
}

TEST(TimeoutQueue, RemoveFromHeadMiddleAndTailKeepsTheLinks) {
  TimeoutQueue q;
  QueueLink a, b, c, d;
  for (QueueLink* l : {&a, &b, &c, &d}) q.push(l, 0);
  q.remove(&b);
  EXPECT_EQ(items(q), (std::vector<QueueLink*>{&a, &c, &d}));
  q.remove(&d);
  EXPECT_EQ(q.tail, &c);
  q.remove(&a);
  EXPECT_EQ(q.head, &c);
  EXPECT_EQ(c.prev, nullptr);
  EXPECT_EQ(c.next, nullptr);
  q.remove(&c);
  EXPECT_EQ(q.count, 0u);
  EXPECT_EQ(q.head, nullptr);
  EXPECT_EQ(q.tail, nullptr);
  EXPECT_EQ(a.queue, nullptr);
  EXPECT_EQ(q.expired(1'000'000), nullptr);
}

}  // namespace
}  // namespace mpmd::mpm::event
