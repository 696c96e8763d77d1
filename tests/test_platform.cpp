// Guards against link-order trouble with LibTorch's own copies of standard library code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace fs = std::filesystem;

TEST(Platform, RemoveAllDeletesAFolderWithFiles) {
  const fs::path root =
      fs::temp_directory_path() / ("p2p_remove_all_" + std::to_string(::getpid()));
  fs::create_directories(root / "a" / "b");
  std::ofstream(root / "a" / "one.txt") << "1";
  std::ofstream(root / "a" / "b" / "two.txt") << "2";

  EXPECT_EQ(fs::remove_all(root), 5u);  // root, a, b and two files
  EXPECT_FALSE(fs::exists(root));
}
