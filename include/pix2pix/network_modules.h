#pragma once

// The concrete networks behind make_generator and make_discriminator. Most code needs only the
// interfaces in networks.h; tests and interop look inside.

#include <torch/torch.h>

#include <map>
#include <string>

#include "pix2pix/networks.h"

namespace pix2pix {

// A norm layer by name: BatchNorm2d (affine, running statistics), InstanceNorm2d (not affine, no
// running statistics) or, for "none", an empty AnyModule. Throws std::invalid_argument otherwise.
torch::nn::AnyModule make_norm(const std::string& norm, int64_t channels);
// Whether a conv followed by `norm` carries a bias (the reference's rule: instance norm only).
bool conv_bias_before(const std::string& norm);

// Checks [N, channels, H, W] and that H and W are multiples of `multiple` (1: no condition).
// Throws std::invalid_argument naming `network`, the given and expected values and, for sizes,
// the nearest sizes that work.
void check_input(const torch::Tensor& input, int64_t channels, int64_t multiple,
                 const std::string& network);

// One level of the U-Net: encoder conv, the next level (`inner`), decoder ConvTranspose, with the
// skip connection concatenating this level's (activated) input before the decoder's output.
enum class UnetLevel { Outermost, Middle, Innermost };

class UnetBlockImpl : public torch::nn::Module {
 public:
  // outer_nc: channels this level returns to its parent (before the skip); inner_nc: channels of
  // its encoder conv; input_nc: channels it receives (outer_nc except at the outermost level).
  UnetBlockImpl(int64_t outer_nc, int64_t inner_nc, int64_t input_nc, UnetLevel level,
                std::shared_ptr<UnetBlockImpl> inner, const std::string& norm, bool use_dropout);
  torch::Tensor forward(torch::Tensor x);

  // Adds "<prefix>down_conv" -> "<reference_prefix>0" and so on for this level and those below.
  void reference_names(const std::string& prefix, const std::string& reference_prefix,
                       std::map<std::string, std::string>& names) const;

 private:
  UnetLevel level_;
  torch::nn::Conv2d down_conv_{nullptr};
  torch::nn::AnyModule down_norm_;
  std::shared_ptr<UnetBlockImpl> inner_;  // null at the innermost level
  torch::nn::ConvTranspose2d up_conv_{nullptr};
  torch::nn::AnyModule up_norm_;
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(UnetBlock);

class UnetGeneratorImpl : public GeneratorImpl {
 public:
  UnetGeneratorImpl(const GeneratorConfig& config, int num_downs);
  torch::Tensor forward(torch::Tensor input) override;
  int64_t size_multiple() const override { return int64_t{1} << num_downs_; }
  std::map<std::string, std::string> reference_module_names() const override;
  const GeneratorConfig& config() const override { return config_; }

 private:
  GeneratorConfig config_;
  int num_downs_;
  UnetBlock block_{nullptr};
};

// x + (pad, conv 3x3, norm, ReLU, [dropout], pad, conv 3x3, norm)(x), reflection padding.
class ResnetBlockImpl : public torch::nn::Module {
 public:
  ResnetBlockImpl(int64_t dim, const std::string& norm, bool use_dropout);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::AnyModule norm1_, norm2_;
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(ResnetBlock);

class ResnetGeneratorImpl : public GeneratorImpl {
 public:
  ResnetGeneratorImpl(const GeneratorConfig& config, int n_blocks);
  torch::Tensor forward(torch::Tensor input) override;
  int64_t size_multiple() const override { return 4; }
  std::map<std::string, std::string> reference_module_names() const override;
  const GeneratorConfig& config() const override { return config_; }

 private:
  GeneratorConfig config_;
  int n_blocks_;
  torch::nn::Conv2d in_conv_{nullptr}, down1_{nullptr}, down2_{nullptr}, out_conv_{nullptr};
  torch::nn::ConvTranspose2d up1_{nullptr}, up2_{nullptr};
  torch::nn::AnyModule in_norm_, down1_norm_, down2_norm_, up1_norm_, up2_norm_;
  torch::nn::ModuleList blocks_{nullptr};
};

// A strided conv and its norm, one stage of the PatchGAN.
class ConvNormImpl : public torch::nn::Module {
 public:
  ConvNormImpl(int64_t in, int64_t out, int64_t stride, const std::string& norm);
  torch::Tensor forward(torch::Tensor x);  // conv, norm, LeakyReLU(0.2)

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::AnyModule norm_;
};
TORCH_MODULE(ConvNorm);

class NLayerDiscriminatorImpl : public DiscriminatorImpl {
 public:
  explicit NLayerDiscriminatorImpl(const DiscriminatorConfig& config);
  torch::Tensor forward(torch::Tensor input) override;
  std::map<std::string, std::string> reference_module_names() const override;
  const DiscriminatorConfig& config() const override { return config_; }

 private:
  DiscriminatorConfig config_;
  torch::nn::Conv2d in_conv_{nullptr}, out_conv_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
};

class PixelDiscriminatorImpl : public DiscriminatorImpl {
 public:
  explicit PixelDiscriminatorImpl(const DiscriminatorConfig& config);
  torch::Tensor forward(torch::Tensor input) override;
  std::map<std::string, std::string> reference_module_names() const override;
  const DiscriminatorConfig& config() const override { return config_; }

 private:
  DiscriminatorConfig config_;
  torch::nn::Conv2d in_conv_{nullptr}, conv_{nullptr}, out_conv_{nullptr};
  torch::nn::AnyModule norm_;
};

}  // namespace pix2pix
