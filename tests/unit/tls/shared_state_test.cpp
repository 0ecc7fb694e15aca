#include "tls/shared_state.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

namespace mpmd::tls {
namespace {

TEST(TicketKeys, RotationKeepsThePreviousKey) {
  std::string error;
  auto keys = TicketKeys::create("", error);
  ASSERT_TRUE(keys) << error;
  TicketKey first = keys->current();
  EXPECT_EQ(first.aes_bytes, 32);
  EXPECT_FALSE(keys->rotate_if_due(std::chrono::seconds(3600), time(nullptr)));
  ASSERT_TRUE(keys->rotate_if_due(std::chrono::seconds(1), time(nullptr) + 10));
  TicketKey second = keys->current();
  EXPECT_NE(std::memcmp(first.name.data(), second.name.data(), 16), 0);
  TicketKey found;
  bool current = true;
  ASSERT_TRUE(keys->find(first.name.data(), found, current));  // still decrypts
  EXPECT_FALSE(current);
  EXPECT_EQ(std::memcmp(found.aes.data(), first.aes.data(), 32), 0);
  ASSERT_TRUE(keys->rotate_if_due(std::chrono::seconds(1), time(nullptr) + 20));
  EXPECT_FALSE(keys->find(first.name.data(), found, current));  // two rotations: gone
  ASSERT_TRUE(keys->find(second.name.data(), found, current));
  EXPECT_FALSE(current);
}

TEST(TicketKeys, SharedWithChildrenForkedBefore) {
  std::string error;
  auto keys = TicketKeys::create("", error);
  ASSERT_TRUE(keys);
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    (void)!read(pipefd[0], &c, 1);  // the master rotated
    TicketKey k = keys->current();
    _exit(k.name == keys->current().name && keys->rotations() == 2 ? 0 : 1);
  }
  keys->rotate_if_due(std::chrono::seconds(1), time(nullptr) + 10);
  (void)!write(pipefd[1], "x", 1);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(pipefd[0]);
  close(pipefd[1]);
}

TEST(TicketKeys, KeyFileAsModSsl) {
  std::string path = testing::TempDir() + "/tickets.key";
  {
    std::ofstream f(path, std::ios::binary);
    for (int i = 0; i < 48; ++i) f.put(char(i));
  }
  std::string error;
  auto keys = TicketKeys::create(path, error);
  ASSERT_TRUE(keys) << error;
  TicketKey k = keys->current();
  EXPECT_EQ(k.name[0], 0);
  EXPECT_EQ(k.hmac[0], 16);
  EXPECT_EQ(k.aes[0], 32);
  EXPECT_EQ(k.aes_bytes, 16);  // AES-128, as mod_ssl
  EXPECT_FALSE(keys->rotate_if_due(std::chrono::seconds(1), time(nullptr) + 100));
  {
    std::ofstream f(path, std::ios::binary);
    f << "short";
  }
  EXPECT_FALSE(keys->reload(path, error));
  EXPECT_NE(error.find("a ticket key file has 48"), std::string::npos);
}

TEST(SessionCache, PutGetRemove) {
  std::string error;
  auto cache = SessionCache::create(64 * 1024, error);
  ASSERT_TRUE(cache) << error;
  unsigned char id[32];
  for (int i = 0; i < 32; ++i) id[i] = static_cast<unsigned char>(i);
  std::string der(300, 'x'), out;
  ASSERT_TRUE(cache->put(id, 32, der, std::chrono::seconds(60)));
  ASSERT_TRUE(cache->get(id, 32, out));
  EXPECT_EQ(out, der);
  EXPECT_FALSE(cache->get(id, 31, out));  // another (shorter) ID
  cache->remove(id, 32);
  EXPECT_FALSE(cache->get(id, 32, out));
  EXPECT_FALSE(cache->put(id, 32, std::string(SessionCache::kValueBytes + 1, 'y'),
                          std::chrono::seconds(60)));
}

}  // namespace
}  // namespace mpmd::tls
