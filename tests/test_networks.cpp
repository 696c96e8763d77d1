#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "pix2pix/network_modules.h"
#include "pix2pix/networks.h"

namespace pix2pix {
namespace {

GeneratorConfig generator(const std::string& arch, int ngf = 64, const std::string& norm = "batch",
                          int input_nc = 3, int output_nc = 3) {
  GeneratorConfig config;
  config.arch = arch;
  config.ngf = ngf;
  config.norm = norm;
  config.input_nc = input_nc;
  config.output_nc = output_nc;
  return config;
}

DiscriminatorConfig discriminator(const std::string& arch, int ndf = 64,
                                  const std::string& norm = "batch", int input_nc = 6) {
  DiscriminatorConfig config;
  config.arch = arch;
  config.ndf = ndf;
  config.norm = norm;
  config.input_nc = input_nc;
  return config;
}

// The message of the std::invalid_argument that `f` throws ("" when it throws none).
template <typename F>
std::string invalid_argument_message(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(NetworksTest, ParameterCountsMatchTheReference) {
  EXPECT_EQ(count_parameters(*make_generator(generator("unet_256"))), 54413955);
  EXPECT_EQ(count_parameters(*make_generator(generator("unet_128"))), 41828995);
  EXPECT_EQ(count_parameters(*make_generator(generator("unet_256", 64, "instance"))), 54409603);
  EXPECT_EQ(count_parameters(*make_discriminator(discriminator("basic"))), 2768705);
  // The issue lists 9,025; the reference's last 1x1 conv has no bias with batch norm
  // (bias = use_bias), which gives 9,024. We follow the reference so that weights carry over.
  EXPECT_EQ(count_parameters(*make_discriminator(discriminator("pixel"))), 9024);
  EXPECT_EQ(count_parameters(*make_discriminator(discriminator("pixel", 64, "instance"))), 8897);
  EXPECT_EQ(count_parameters(*make_generator(generator("resnet_9blocks"))), 11383427);
  EXPECT_EQ(count_parameters(*make_generator(generator("resnet_6blocks"))), 7841411);
  EXPECT_EQ(count_parameters(*make_generator(generator("resnet_9blocks", 64, "instance"))),
            11378179);
}

TEST(NetworksTest, CountsPrintInMillionsWithThreeDecimals) {
  EXPECT_EQ(format_millions(54413955), "54.414 M");
  EXPECT_EQ(format_millions(2768705), "2.769 M");
}

TEST(NetworksTest, NormDecidesConvBias) {
  // batch: the convs before a norm have no bias; the outermost ConvTranspose has one
  auto unet = make_generator(generator("unet_128", 8));
  auto params = unet->named_parameters();
  EXPECT_EQ(params.find("block.down_conv.bias"), nullptr);
  EXPECT_EQ(params.find("block.inner.down_conv.bias"), nullptr);
  EXPECT_NE(params.find("block.up_conv.bias"), nullptr);
  EXPECT_NE(params.find("block.inner.down_norm.weight"), nullptr);
  EXPECT_EQ(params.find("block.inner.inner.inner.inner.inner.inner.down_norm.weight"), nullptr);

  // instance: biases, and no norm parameters or buffers
  auto instance = make_generator(generator("unet_128", 8, "instance"));
  EXPECT_NE(instance->named_parameters().find("block.inner.down_conv.bias"), nullptr);
  EXPECT_EQ(instance->named_parameters().find("block.inner.down_norm.weight"), nullptr);
  EXPECT_EQ(instance->named_buffers().size(), 0u);

  auto batch_buffers = unet->named_buffers();
  EXPECT_NE(batch_buffers.find("block.inner.down_norm.running_mean"), nullptr);
  EXPECT_NE(batch_buffers.find("block.inner.down_norm.num_batches_tracked"), nullptr);
}

TEST(NetworksTest, StableNamesMapOntoTheReference) {
  auto unet = make_generator(generator("unet_256", 8));
  auto names = unet->reference_module_names();
  EXPECT_EQ(names.at("block.down_conv"), "model.model.0");
  EXPECT_EQ(names.at("block.up_conv"), "model.model.3");
  EXPECT_EQ(names.at("block.inner.down_conv"), "model.model.1.model.1");
  EXPECT_EQ(names.at("block.inner.down_norm"), "model.model.1.model.2");
  EXPECT_EQ(names.at("block.inner.up_norm"), "model.model.1.model.6");
  std::string ours = "block.";
  std::string theirs = "model.model.1.";
  for (int i = 0; i < 6; ++i) {
    ours += "inner.";
    theirs += "model.3.";
  }
  EXPECT_EQ(names.at(ours + "inner.up_conv"), theirs + "model.3");
  EXPECT_EQ(names.at(ours + "inner.up_norm"), theirs + "model.4");

  auto resnet = make_generator(generator("resnet_9blocks", 8));
  auto resnet_names = resnet->reference_module_names();
  EXPECT_EQ(resnet_names.at("blocks.0.conv2"), "model.10.conv_block.6");  // after dropout
  EXPECT_EQ(resnet_names.at("out_conv"), "model.26");

  auto patch = make_discriminator(discriminator("basic", 8));
  EXPECT_EQ(patch->reference_module_names().at("blocks.2.norm"), "model.9");
  EXPECT_EQ(patch->reference_module_names().at("out_conv"), "model.11");

  // every module that holds a tensor has a reference name
  for (const auto& item : unet->named_modules()) {
    if (item.value()->parameters(false).empty()) continue;
    EXPECT_EQ(names.count(item.key()), 1u) << item.key();
  }
}

TEST(NetworksTest, GeneratorKeepsShapeAndRange) {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  for (const auto& [arch, size] : {std::pair{"unet_256", 256}, std::pair{"resnet_6blocks", 64}}) {
    auto g = make_generator(generator(arch, 8));
    g->eval();
    auto y = g->forward(torch::rand({2, 3, size, size}) * 2 - 1);
    EXPECT_EQ(y.sizes(), torch::IntArrayRef({2, 3, size, size})) << arch;
    EXPECT_LE(y.abs().max().item<float>(), 1.0f) << arch;
  }
}

TEST(NetworksTest, OneChannelAndOtherSizes) {
  torch::NoGradGuard no_grad;
  auto gray = make_generator(generator("unet_256", 8, "batch", 1, 1));
  gray->eval();
  EXPECT_EQ(gray->forward(torch::zeros({1, 1, 256, 256})).sizes(),
            torch::IntArrayRef({1, 1, 256, 256}));

  auto unet = make_generator(generator("unet_256", 2, "instance", 3, 1));
  unet->eval();
  EXPECT_EQ(unet->forward(torch::zeros({1, 3, 512, 512})).sizes(),
            torch::IntArrayRef({1, 1, 512, 512}));

  auto small = make_generator(generator("unet_128", 8));
  small->eval();
  EXPECT_EQ(small->size_multiple(), 128);
  EXPECT_EQ(small->forward(torch::zeros({1, 3, 128, 256})).sizes(),
            torch::IntArrayRef({1, 3, 128, 256}));

  auto resnet = make_generator(generator("resnet_9blocks", 4, "batch", 1, 3));
  resnet->eval();
  EXPECT_EQ(resnet->forward(torch::zeros({1, 1, 64, 96})).sizes(),
            torch::IntArrayRef({1, 3, 64, 96}));
}

TEST(NetworksTest, DiscriminatorOutputs) {
  torch::NoGradGuard no_grad;
  auto basic = make_discriminator(discriminator("basic", 8));
  EXPECT_EQ(basic->forward(torch::zeros({2, 6, 256, 256})).sizes(),
            torch::IntArrayRef({2, 1, 30, 30}));
  auto deeper = make_discriminator([] {
    auto config = discriminator("n_layers", 8, "instance", 2);
    config.n_layers = 5;
    return config;
  }());
  EXPECT_EQ(deeper->forward(torch::zeros({1, 2, 256, 256})).sizes(),
            torch::IntArrayRef({1, 1, 6, 6}));
  auto pixel = make_discriminator(discriminator("pixel", 8));
  EXPECT_EQ(pixel->forward(torch::zeros({1, 6, 64, 48})).sizes(),
            torch::IntArrayRef({1, 1, 64, 48}));
}

TEST(NetworksTest, DropoutActsOnlyInTrainMode) {
  torch::manual_seed(1);
  auto g = make_generator(generator("unet_256", 4));
  auto x = torch::rand({2, 3, 256, 256}) * 2 - 1;
  torch::NoGradGuard no_grad;

  g->train();
  EXPECT_FALSE(torch::allclose(g->forward(x), g->forward(x)));
  g->eval();
  EXPECT_TRUE(torch::equal(g->forward(x), g->forward(x)));

  // without dropout, train mode is deterministic too
  auto config = generator("unet_256", 4);
  config.use_dropout = false;
  auto plain = make_generator(config);
  plain->train();
  EXPECT_TRUE(torch::equal(plain->forward(x), plain->forward(x)));

  // the three 8 ngf levels around the bottleneck of unet_256 carry it, not the innermost
  int n_dropout = 0;
  for (const auto& item : g->named_modules()) {
    if (item.value()->as<torch::nn::DropoutImpl>() != nullptr) ++n_dropout;
  }
  EXPECT_EQ(n_dropout, 3);
}

TEST(NetworksTest, BadSizesNameTheSizesThatWork) {
  auto g = make_generator(generator("unet_256", 4));
  const std::string message = invalid_argument_message([&] {
    g->forward(torch::zeros({1, 3, 250, 300}));
  });
  EXPECT_NE(message.find("unet_256"), std::string::npos) << message;
  EXPECT_NE(message.find("250x300"), std::string::npos) << message;
  EXPECT_NE(message.find("divisible by 256"), std::string::npos) << message;
  EXPECT_NE(message.find("heights that work: 256"), std::string::npos) << message;
  EXPECT_NE(message.find("widths: 256 or 512"), std::string::npos) << message;

  auto resnet = make_generator(generator("resnet_6blocks", 4));
  EXPECT_NE(invalid_argument_message([&] {
              resnet->forward(torch::zeros({1, 3, 66, 64}));
            }).find("64 or 68"),
            std::string::npos);
}

TEST(NetworksTest, BadChannelsNameExpectedAndGiven) {
  auto g = make_generator(generator("unet_128", 4));
  const std::string message = invalid_argument_message([&] {
    g->forward(torch::zeros({1, 1, 128, 128}));
  });
  EXPECT_NE(message.find("expects 3 input channels, got 1"), std::string::npos) << message;

  auto d = make_discriminator(discriminator("basic", 4));
  EXPECT_NE(invalid_argument_message([&] {
              d->forward(torch::zeros({1, 4, 64, 64}));
            }).find("expects 6 input channels, got 4"),
            std::string::npos);
}

TEST(NetworksTest, BadSettingsAreRejected) {
  EXPECT_NE(
      invalid_argument_message([] { make_generator(generator("unet_512")); }).find("unet_512"),
      std::string::npos);
  EXPECT_NE(invalid_argument_message([] {
              make_generator(generator("unet_256", 8, "group"));
            }).find("group"),
            std::string::npos);
  EXPECT_NE(
      invalid_argument_message([] { make_discriminator(discriminator("global")); }).find("global"),
      std::string::npos);
}

TEST(NetworksTest, ConfigsFollowOptions) {
  Options options;
  options.netG = "resnet_6blocks";
  options.input_nc = 1;
  options.output_nc = 3;
  options.no_dropout = true;
  options.netD = "n_layers";
  options.n_layers_D = 4;
  const GeneratorConfig g = generator_config(options);
  EXPECT_EQ(g.arch, "resnet_6blocks");
  EXPECT_EQ(g.input_nc, 1);
  EXPECT_FALSE(g.use_dropout);
  const DiscriminatorConfig d = discriminator_config(options);
  EXPECT_EQ(d.input_nc, 4);
  EXPECT_EQ(d.n_layers, 4);
  options.netD = "basic";
  EXPECT_EQ(discriminator_config(options).n_layers, 3);
}

}  // namespace
}  // namespace pix2pix
