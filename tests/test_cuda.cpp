// The CUDA path, on a machine with a GPU; every test skips, saying so, where none is present.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "pix2pix/checkpoint.h"
#include "pix2pix/dataset.h"
#include "pix2pix/model.h"
#include "train_fixtures.h"

namespace fs = std::filesystem;

namespace {

#define REQUIRE_CUDA()                                                      \
  if (!torch::cuda::is_available()) {                                       \
    GTEST_SKIP() << "no CUDA device here: this test runs on a GPU machine " \
                    "(scripts/gpu_check.sh)";                               \
  }

// Full fp32 on CUDA, so that CUDA and the CPU compute the same function.
class FullPrecision {
 public:
  FullPrecision()
      : cudnn_(at::globalContext().allowTF32CuDNN()),
        cublas_(at::globalContext().allowTF32CuBLAS()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  ~FullPrecision() {
    at::globalContext().setAllowTF32CuDNN(cudnn_);
    at::globalContext().setAllowTF32CuBLAS(cublas_);
  }

 private:
  bool cudnn_, cublas_;
};

pix2pix::Options small_options() {
  pix2pix::Options o;
  o.netG = "unet_256";
  o.ngf = 16;
  o.ndf = 16;
  o.no_dropout = true;
  o.seed = 3;
  return o;
}

// max |a - b| over two tensors on any devices
double max_abs_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.cpu().to(torch::kFloat64) - b.cpu().to(torch::kFloat64)).abs().max().item<double>();
}

// max |a - b| / max |reference|
double relative_difference(const torch::Tensor& reference, const torch::Tensor& other) {
  const double scale = reference.abs().max().item<double>();
  return max_abs_difference(reference, other) / std::max(scale, 1e-30);
}

}  // namespace

// Tolerance: 1e-4 of the largest output magnitude (max abs difference / max abs CPU output).
// cuDNN picks other convolution algorithms than the CPU, and float32 sums in another order
// differ by a few ulps a layer over the U-Net's 16 layers.
TEST(Cuda, NetworksAgreeWithTheCpuOnTheSameWeights) {
  REQUIRE_CUDA();
  FullPrecision fp32;
  const pix2pix::Options o = small_options();
  pix2pix::Generator G = pix2pix::make_initial_generator(o);
  pix2pix::Discriminator D = pix2pix::make_initial_discriminator(o);
  G->eval();
  D->eval();
  torch::manual_seed(5);
  const torch::Tensor A = torch::rand({2, 3, 256, 256}) * 2 - 1;
  const torch::Tensor B = torch::rand({2, 3, 256, 256}) * 2 - 1;

  torch::NoGradGuard no_grad;
  const torch::Tensor fake_cpu = G->forward(A);
  const torch::Tensor score_cpu = D->forward(torch::cat({A, B}, 1));
  G->to(torch::kCUDA);
  D->to(torch::kCUDA);
  const torch::Tensor fake_cuda = G->forward(A.cuda());
  const torch::Tensor score_cuda = D->forward(torch::cat({A, B}, 1).cuda());

  EXPECT_TRUE(fake_cuda.is_cuda());
  EXPECT_GT(fake_cpu.abs().max().item<double>(), 1e-3);  // a signal to compare
  EXPECT_LT(relative_difference(fake_cpu, fake_cuda), 1e-4);
  EXPECT_LT(relative_difference(score_cpu, score_cuda), 1e-4);
}

TEST(Cuda, MixedPrecisionStepGivesFiniteLossesAndMovesTheWeights) {
  REQUIRE_CUDA();
  for (const std::string amp : {"bf16", "fp16"}) {
    pix2pix::Options o = small_options();
    o.amp = amp;
    pix2pix::Pix2PixModel model(pix2pix::make_initial_generator(o),
                                pix2pix::make_initial_discriminator(o), o, torch::kCUDA);
    const auto before_G = model.generator()->parameters().front().detach().clone();
    const auto before_D = model.discriminator()->parameters().front().detach().clone();
    torch::manual_seed(1);
    for (int step = 0; step < 3; ++step) {
      model.set_input(torch::rand({2, 3, 256, 256}) * 2 - 1, torch::rand({2, 3, 256, 256}) * 2 - 1);
      model.optimize_parameters();
    }
    const torch::Tensor losses = model.losses().cpu();
    EXPECT_TRUE(torch::isfinite(losses).all().item<bool>()) << amp << ": " << losses;
    EXPECT_GT(max_abs_difference(before_G, model.generator()->parameters().front()), 0) << amp;
    EXPECT_GT(max_abs_difference(before_D, model.discriminator()->parameters().front()), 0) << amp;
  }
}

TEST(Cuda, CheckpointsCrossBetweenCudaAndTheCpu) {
  REQUIRE_CUDA();
  pix2pix::testing::TempFolders folders;
  const fs::path dir = folders.make("cuda_checkpoint");
  const pix2pix::Options o = small_options();

  for (const bool write_on_cuda : {true, false}) {
    const torch::Device from = write_on_cuda ? torch::kCUDA : torch::kCPU;
    const torch::Device to = write_on_cuda ? torch::kCPU : torch::kCUDA;
    pix2pix::Pix2PixModel a(pix2pix::make_initial_generator(o),
                            pix2pix::make_initial_discriminator(o), o, from);
    a.set_input(torch::rand({1, 3, 256, 256}) * 2 - 1, torch::rand({1, 3, 256, 256}) * 2 - 1);
    a.optimize_parameters();  // Adam moments exist only after a step
    const fs::path file = dir / (write_on_cuda ? "from_cuda.pt" : "from_cpu.pt");
    pix2pix::save_checkpoint(file, a.checkpoint_parts());

    pix2pix::Options other = o;
    other.seed = 99;  // different initial weights, so that loading must change them
    pix2pix::Pix2PixModel b(pix2pix::make_initial_generator(other),
                            pix2pix::make_initial_discriminator(other), other, to);
    pix2pix::load_checkpoint(file, b.checkpoint_parts(), to, /*restore_rng=*/false);
    auto pa = a.generator()->named_parameters();
    for (const auto& item : b.generator()->named_parameters()) {
      EXPECT_EQ(item.value().device().type(), to.type()) << item.key();
      EXPECT_EQ(max_abs_difference(item.value(), pa[item.key()]), 0) << item.key();
    }
    auto da = a.discriminator()->named_parameters();
    for (const auto& item : b.discriminator()->named_parameters()) {
      EXPECT_EQ(max_abs_difference(item.value(), da[item.key()]), 0) << item.key();
    }
    // the optimisers continue from the same state: from the same gradients, one more step agrees
    auto grads = a.generator()->named_parameters();
    for (auto& item : b.generator()->named_parameters()) {
      item.value().mutable_grad() = grads[item.key()].grad().to(to);
    }
    b.optimizer_G().step();
    a.optimizer_G().step();
    EXPECT_LT(max_abs_difference(a.generator()->parameters().front(),
                                 b.generator()->parameters().front()),
              1e-6);
  }
  folders.remove_all();
}

TEST(Cuda, LoaderPinsBatchesAndTheModelCopiesThemWithoutBlocking) {
  REQUIRE_CUDA();
  pix2pix::testing::TempFolders folders;
  const fs::path data = pix2pix::testing::write_dataset(folders.make("cuda_loader") / "data");
  pix2pix::Options o = small_options();
  o.dataroot = data.string();
  o.load_size = 64;
  o.crop_size = 64;
  o.preprocess = "crop";
  o.num_threads = 2;
  auto dataset = std::make_shared<const pix2pix::PairedDataset>(o, "train");
  pix2pix::DataLoader loader(dataset, o, /*pin_memory=*/true);
  loader.start_epoch(1);
  const auto batch = loader.next();
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(batch->real_A.is_pinned());
  EXPECT_TRUE(batch->real_B.is_pinned());

  // a non-blocking copy from pinned memory, then a use on the same stream, sees the values
  const torch::Tensor copied = batch->real_A.to(torch::kCUDA, /*non_blocking=*/true);
  EXPECT_TRUE(torch::equal(copied.cpu(), batch->real_A));

  // the model takes the pinned batch through its non-blocking copy, and trains on it
  pix2pix::Options model_options = o;
  model_options.netG = "unet_128";  // 64 x 64 crops would need the 6-level U-Net
  model_options.crop_size = 128;
  pix2pix::Pix2PixModel model(pix2pix::make_initial_generator(model_options),
                              pix2pix::make_initial_discriminator(model_options), model_options,
                              torch::kCUDA);
  const torch::Tensor A = torch::nn::functional::interpolate(
      batch->real_A,
      torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{128, 128}));
  const torch::Tensor pinned_A = A.pin_memory(), pinned_B = A.pin_memory();
  model.set_input(pinned_A, pinned_B);
  model.optimize_parameters();
  EXPECT_TRUE(model.visuals()[0].defined());
  EXPECT_TRUE(torch::equal(model.visuals()[0], A[0]));  // real A, as copied, back on the CPU
  folders.remove_all();
}
