#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "pix2pix/amp.h"
#include "pix2pix/checkpoint.h"
#include "pix2pix/losses.h"
#include "pix2pix/networks.h"
#include "pix2pix/options.h"

namespace pix2pix {

// G and D built from the options and initialised, in this order, from the global generator
// seeded with options.seed; on the CPU, then moved to `device`. The same seed gives the same
// untrained networks on every device.
Generator make_initial_generator(const Options& options);
Discriminator make_initial_discriminator(const Options& options);

// The conditional GAN of the paper: G maps real A to fake B; D scores (A, B) pairs.
// One step: fake B = G(real A); D step on ½ (GAN(D(A, fake B), fake) + GAN(D(A, real B), real));
// G step with D frozen on GAN(D(A, fake B), real) + lambda_L1 * L1(fake B, real B).
class Pix2PixModel {
 public:
  // Takes G and D as given (already initialised) and moves them to `device`.
  Pix2PixModel(Generator generator, Discriminator discriminator, const Options& options,
               torch::Device device);

  // real_A [N, input_nc, H, W] and real_B [N, output_nc, H, W] in [-1, 1], on any device.
  void set_input(const torch::Tensor& real_A, const torch::Tensor& real_B);
  void forward();
  // forward, then the D step, then the G step.
  void optimize_parameters();
  // The two updates of optimize_parameters, each after forward(), for callers that time them.
  void optimize_D();
  void optimize_G();

  // The losses of the last step, in the order of loss_names(): G_GAN, G_L1 (times lambda_L1),
  // D_real, D_fake, and D_GP with wgangp. [n_losses] float32 on the device, detached; reading it
  // is the only synchronisation, so callers batch their reads.
  torch::Tensor losses() const;
  const std::vector<std::string>& loss_names() const { return loss_names_; }
  // First image of the batch: real A, fake B, real B, each [C, H, W] on the CPU.
  std::vector<torch::Tensor> visuals() const;

  void set_lr(double lr);
  double lr() const;
  // Loss scaler state for checkpoints (fp16 only).
  LossScaler& scaler() { return scaler_; }

  // Networks and optimisers for save_checkpoint / load_checkpoint.
  CheckpointParts checkpoint_parts();
  const Generator& generator() const { return G_; }
  const Discriminator& discriminator() const { return D_; }
  torch::optim::Adam& optimizer_G() { return *optimizer_G_; }
  torch::optim::Adam& optimizer_D() { return *optimizer_D_; }
  torch::Device device() const { return device_; }

 private:
  void backward_D();
  void backward_G();
  torch::Tensor prepare(const torch::Tensor& image) const;

  Generator G_;
  Discriminator D_;
  std::unique_ptr<torch::optim::Adam> optimizer_G_;
  std::unique_ptr<torch::optim::Adam> optimizer_D_;
  GANLoss gan_loss_;
  double lambda_L1_;
  double lambda_gp_;
  torch::Device device_;
  bool autocast_;
  torch::Dtype autocast_dtype_;
  bool channels_last_;
  LossScaler scaler_;
  std::vector<std::string> loss_names_;

  torch::Tensor real_A_, real_B_, fake_B_;
  torch::Tensor loss_G_GAN_, loss_G_L1_, loss_D_real_, loss_D_fake_, loss_D_GP_;
};

}  // namespace pix2pix
