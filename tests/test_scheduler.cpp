#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "pix2pix/scheduler.h"

namespace {

pix2pix::Options with_policy(const std::string& policy) {
  pix2pix::Options o;
  o.lr = 0.0002;
  o.n_epochs = 3;
  o.n_epochs_decay = 3;
  o.lr_policy = policy;
  return o;
}

}  // namespace

TEST(Scheduler, LinearThreePlusThree) {
  const pix2pix::LrScheduler s(with_policy("linear"));
  // constant for 3 epochs, then 1 - k/4 for k = 1, 2, 3: no epoch at 0
  const double expected[] = {2e-4, 2e-4, 2e-4, 1.5e-4, 1e-4, 0.5e-4};
  for (int epoch = 1; epoch <= 6; ++epoch) {
    EXPECT_NEAR(s.lr(epoch), expected[epoch - 1], 1e-12) << "epoch " << epoch;
  }
  EXPECT_GT(s.lr(6), 0.0);
}

TEST(Scheduler, LinearDefaultsEndAtOneHundredthOfTheRate) {
  const pix2pix::LrScheduler s(pix2pix::Options{});
  EXPECT_NEAR(s.lr(100), 2e-4, 1e-12);
  EXPECT_NEAR(s.lr(101), 2e-4 * (1 - 1.0 / 101), 1e-12);
  EXPECT_NEAR(s.lr(200), 2e-4 / 101, 1e-12);
}

TEST(Scheduler, StepDividesByTenEveryDecayInterval) {
  auto o = with_policy("step");
  o.lr_decay_iters = 2;
  const pix2pix::LrScheduler s(o);
  EXPECT_NEAR(s.lr(1), 2e-4, 1e-12);
  EXPECT_NEAR(s.lr(2), 2e-4, 1e-12);
  EXPECT_NEAR(s.lr(3), 2e-5, 1e-12);
  EXPECT_NEAR(s.lr(5), 2e-6, 1e-12);
}

TEST(Scheduler, CosineFallsFromTheRateAndStaysAboveZero) {
  const pix2pix::LrScheduler s(with_policy("cosine"));
  EXPECT_NEAR(s.lr(1), 2e-4, 1e-12);
  EXPECT_NEAR(s.lr(4), 2e-4 * 0.5 * (1 + std::cos(M_PI * 3 / 6)), 1e-12);
  for (int epoch = 2; epoch <= 6; ++epoch) EXPECT_LT(s.lr(epoch), s.lr(epoch - 1));
  EXPECT_GT(s.lr(6), 0.0);
}

TEST(Scheduler, PlateauCutsAfterFiveEpochsWithoutImprovementAndKeepsItsState) {
  pix2pix::LrScheduler s(with_policy("plateau"));
  s.end_epoch(1.0);                                // best
  for (int i = 0; i < 5; ++i) s.end_epoch(0.995);  // under 1 % better: 5 bad epochs
  EXPECT_NEAR(s.lr(7), 2e-4, 1e-12);
  s.end_epoch(1.0);  // the 6th
  EXPECT_NEAR(s.lr(8), 4e-5, 1e-12);

  torch::serialize::OutputArchive out;
  s.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  pix2pix::LrScheduler restored(with_policy("plateau"));
  torch::serialize::InputArchive in;
  std::istringstream read(bytes.str());
  in.load_from(read);
  restored.load(in);
  EXPECT_NEAR(restored.lr(9), 4e-5, 1e-12);
}

TEST(Scheduler, ApplySetsEveryParameterGroup) {
  const pix2pix::LrScheduler s(with_policy("linear"));
  torch::nn::Linear layer(2, 2);
  torch::optim::Adam adam(layer->parameters(), torch::optim::AdamOptions(2e-4));
  s.apply(adam, 5);
  EXPECT_NEAR(adam.param_groups()[0].options().get_lr(), 1e-4, 1e-12);
}
