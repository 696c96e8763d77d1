#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include <torch/version.h>

#include "pix2pix/device.h"

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(Device, InfoReportsWhatTheRuntimeHas) {
  const std::string info = pix2pix::describe_runtime();
  EXPECT_TRUE(contains(info, std::string("LibTorch: ") + TORCH_VERSION)) << info;
  const bool cuda = torch::cuda::is_available();
  EXPECT_TRUE(contains(info, cuda ? "CUDA available: yes" : "CUDA available: no")) << info;
  EXPECT_TRUE(
      contains(info, "CUDA devices: " + std::to_string(cuda ? torch::cuda::device_count() : 0)))
      << info;
}

TEST(Device, AutoChoosesCudaWhereItIs) {
  const torch::Device device = pix2pix::resolve_device("auto");
  EXPECT_EQ(device.is_cuda(), torch::cuda::is_available());
  EXPECT_TRUE(pix2pix::resolve_device("cpu").is_cpu());
  EXPECT_THROW(pix2pix::resolve_device("tpu"), std::invalid_argument);
}

TEST(Device, CudaAskedForWithoutOneNamesTheFix) {
  if (torch::cuda::is_available()) {
    const int n = static_cast<int>(torch::cuda::device_count());
    EXPECT_EQ(pix2pix::resolve_device("cuda:0").index(), 0);
    EXPECT_THROW(pix2pix::resolve_device("cuda:" + std::to_string(n)), std::runtime_error);
    return;
  }
  try {
    pix2pix::resolve_device("cuda");
    ADD_FAILURE() << "expected an error without CUDA";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "--device")) << e.what();
  }
}
