#include "handlers/static_files/directives.hpp"

#include <gtest/gtest.h>

#include <string>

#include "config/parser.hpp"
#include "unit/handlers/static_test_tree.hpp"

namespace mpmd::static_files {
namespace {

class StaticDirectivesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.dir("htdocs");
    tree_.dir("conf");
  }
  config::ParseResult parse(const std::string& text) {
    config::Parser parser({directives()});
    return parser.parse_text(text, tree_.path("conf/test.conf"), tree_.root());
  }
  static std::string all(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  test::TempTree tree_;
};

TEST_F(StaticDirectivesTest, EveryRowHasHelp) {
  for (const config::Directive& d : directives()) {
    EXPECT_FALSE(d.help.empty()) << d.name;
    EXPECT_TRUE(d.set) << d.name;
  }
}

TEST_F(StaticDirectivesTest, SetsTheTypedSettings) {
  auto r = parse(
      "DocumentRoot htdocs/\n"
      "DirectoryIndex index.php index.html\n"
      "Options Indexes FollowSymLinks\n"
      "TypesConfig conf/mime.types\n"
      "AddType text/x-foo .FOO bar\n"
      "FileETag None\n"
      "MaxCachedFileSize 1048576\n");
  ASSERT_TRUE(r.ok) << all(r.errors);
  const config::StaticFiles& f = r.config.files;
  EXPECT_EQ(f.document_root, tree_.path("htdocs"));
  EXPECT_EQ(f.directory_index, (std::vector<std::string>{"index.php", "index.html"}));
  EXPECT_TRUE(f.indexes);
  EXPECT_TRUE(f.follow_symlinks);
  EXPECT_EQ(f.types_config, tree_.path("conf/mime.types"));
  EXPECT_EQ(f.add_types.at("foo"), "text/x-foo");
  EXPECT_EQ(f.add_types.at("bar"), "text/x-foo");
  EXPECT_FALSE(f.file_etag);
  EXPECT_EQ(f.max_cached_file_size, 1024u * 1024);
}

TEST_F(StaticDirectivesTest, MissingDocumentRootIsNotAnError) {
  // As Apache: a warning at -t and start (supervisor/config_checks), 404 per request.
  auto r = parse("DocumentRoot /nonexistent/dir/\n");
  EXPECT_TRUE(r.ok) << all(r.errors);
  EXPECT_EQ(r.config.files.document_root, "/nonexistent/dir");
}

TEST_F(StaticDirectivesTest, OptionsSignsAndKeywords) {
  auto r = parse("Options All\nOptions -Indexes\n");
  ASSERT_TRUE(r.ok) << all(r.errors);
  EXPECT_TRUE(r.config.files.follow_symlinks);
  EXPECT_FALSE(r.config.files.indexes);
  r = parse("Options FollowSymLinks\nOptions None\n");
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.config.files.follow_symlinks);
  r = parse("Options +Indexes FollowSymLinks\n");
  EXPECT_FALSE(r.ok);
  r = parse("Options Bogus\n");
  EXPECT_FALSE(r.ok);
  r = parse("Options MultiViews\n");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST_F(StaticDirectivesTest, DeprecatedAndOddForms) {
  auto r = parse("DefaultType text/plain\nFileETag INode MTime Size\nDirectoryIndex disabled\n");
  ASSERT_TRUE(r.ok) << all(r.errors);
  EXPECT_EQ(r.config.files.default_type, "text/plain");
  EXPECT_TRUE(r.config.files.file_etag);
  EXPECT_TRUE(r.config.files.directory_index.empty());
  EXPECT_EQ(r.warnings.size(), 2u) << all(r.warnings);
  EXPECT_FALSE(parse("FileETag Sometimes\n").ok);
  EXPECT_FALSE(parse("AddType notatype .x\n").ok);
}

}  // namespace
}  // namespace mpmd::static_files
