#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "pix2pix/amp.h"

TEST(LossScaler, ScalesUnscalesAndSkipsNonFiniteSteps) {
  torch::nn::Linear layer(2, 1);
  torch::optim::SGD sgd(layer->parameters(), torch::optim::SGDOptions(1.0));
  pix2pix::LossScaler scaler(true, 1024.0, 2);
  const auto x = torch::ones({1, 2});

  // a clean step: gradients come back unscaled
  const auto before = layer->weight.detach().clone();
  sgd.zero_grad();
  scaler.scale(layer->forward(x).sum()).backward();
  EXPECT_NEAR(layer->weight.grad()[0][0].item<double>(), 1024.0, 1e-3);
  EXPECT_TRUE(scaler.step(sgd));
  EXPECT_TRUE(torch::allclose(layer->weight, before - 1.0));  // d(sum)/dw = 1
  scaler.update();
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 1024.0);

  // an overflow: no step, the scale halves
  const auto kept = layer->weight.detach().clone();
  sgd.zero_grad();
  scaler.scale(layer->forward(x).sum() * std::numeric_limits<float>::infinity()).backward();
  EXPECT_FALSE(scaler.step(sgd));
  EXPECT_TRUE(torch::equal(layer->weight, kept));
  scaler.update();
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 512.0);

  // growth_interval clean iterations double it
  for (int i = 0; i < 2; ++i) {
    sgd.zero_grad();
    scaler.scale(layer->forward(x).sum()).backward();
    scaler.step(sgd);
    scaler.update();
  }
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 1024.0);
}

TEST(LossScaler, DisabledPassesThrough) {
  torch::nn::Linear layer(2, 1);
  torch::optim::SGD sgd(layer->parameters(), torch::optim::SGDOptions(1.0));
  pix2pix::LossScaler scaler(false);
  const auto loss = layer->forward(torch::ones({1, 2})).sum();
  EXPECT_TRUE(torch::equal(scaler.scale(loss), loss));
  scaler.scale(loss).backward();
  EXPECT_TRUE(scaler.step(sgd));
}
