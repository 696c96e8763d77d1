#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "pix2pix/interop.h"
#include "pix2pix/networks.h"
#include "pix2pix/state_dict_io.h"

namespace pix2pix {
namespace {

namespace fs = std::filesystem;

// A fresh folder under the system's temporary directory, named by the process id. (Not cleared
// with fs::remove_all: libtorch.so exports a std::filesystem::remove_all that the dynamic linker
// may bind to, and that copy crashes on a folder with files.)
fs::path temp_folder(const std::string& name) {
  const fs::path folder =
      fs::temp_directory_path() / ("pix2pix_interop_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  return folder;
}

GeneratorConfig small(const std::string& arch, const std::string& norm, bool dropout = true) {
  GeneratorConfig config;
  config.arch = arch;
  config.ngf = 4;
  config.norm = norm;
  config.use_dropout = dropout;
  return config;
}

// The message of the std::runtime_error that `f` throws ("" when it throws none).
template <typename F>
std::string runtime_error_message(F f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(StateDictIoTest, WritesAndReadsTensorsOfEachType) {
  const fs::path file = temp_folder("io") / "state.pth";
  StateDict state{{"a.weight", torch::randn({3, 4, 2, 2})},
                  {"a.num_batches_tracked", torch::tensor(7, torch::kLong)},
                  {"b", torch::randn({5}).to(torch::kDouble)},
                  {"c", torch::arange(6, torch::kInt).reshape({2, 3}).t()}};  // not contiguous
  write_state_dict(state, file);
  const StateDict back = read_state_dict(file);
  ASSERT_EQ(back.size(), state.size());
  for (size_t i = 0; i < state.size(); ++i) {
    EXPECT_EQ(back[i].first, state[i].first);
    EXPECT_EQ(back[i].second.dtype(), state[i].second.dtype());
    EXPECT_TRUE(torch::equal(back[i].second, state[i].second)) << state[i].first;
  }
}

TEST(StateDictIoTest, RefusesLegacyAndForeignFiles) {
  const fs::path folder = temp_folder("legacy");
  std::ofstream(folder / "old.pth", std::ios::binary) << "\x80\x02\x8a\x0a";
  const std::string message = runtime_error_message([&] { read_state_dict(folder / "old.pth"); });
  EXPECT_NE(message.find("legacy"), std::string::npos) << message;
  EXPECT_NE(message.find("torch.save(torch.load('"), std::string::npos) << message;

  std::ofstream(folder / "text.pth") << "hello";
  EXPECT_NE(runtime_error_message([&] {
              read_state_dict(folder / "text.pth");
            }).find("not a PyTorch file"),
            std::string::npos);
  // a zip that torch.save did not write: notes/a.txt holding "hi"
  const std::string zip(
      "\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\xc3\x03\x84\x5d\xac\x2a\x93\xd8\x02\x00\x00\x00\x02"
      "\x00\x00\x00\x0b\x00\x00\x00\x6e\x6f\x74\x65\x73\x2f\x61\x2e\x74\x78\x74\x68\x69\x50\x4b\x01"
      "\x02\x14\x03\x14\x00\x00\x00\x00\x00\xc3\x03\x84\x5d\xac\x2a\x93\xd8\x02\x00\x00\x00\x02\x00"
      "\x00\x00\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00\x6e\x6f\x74"
      "\x65\x73\x2f\x61\x2e\x74\x78\x74\x50\x4b\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x39\x00\x00"
      "\x00\x2b\x00\x00\x00\x00\x00",
      122);
  std::ofstream(folder / "other.zip", std::ios::binary) << zip;
  const std::string zip_message =
      runtime_error_message([&] { read_state_dict(folder / "other.zip"); });
  EXPECT_NE(zip_message.find("other.zip is a zip, but not one that torch.save wrote"),
            std::string::npos)
      << zip_message;
  EXPECT_NE(runtime_error_message([&] { read_state_dict(folder / "none.pth"); }).find("not found"),
            std::string::npos);
}

TEST(InteropTest, ReferenceNamesRoundTrip) {
  torch::manual_seed(0);
  for (const auto& config : {small("unet_128", "batch"), small("resnet_6blocks", "instance")}) {
    auto a = make_generator(config);
    auto b = make_generator(config);
    init_weights(*a, "normal", 0.5);
    const StateDict state = to_reference_names(*a, a->reference_module_names());
    EXPECT_EQ(state.size(), a->named_parameters().size() + a->named_buffers().size());
    load_reference_names(*b, b->reference_module_names(), state, "test");

    a->eval();
    b->eval();
    torch::NoGradGuard no_grad;
    const auto x = torch::rand({1, 3, 128, 128});
    EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x))) << config.arch;
  }
}

TEST(InteropTest, MismatchesAreListed) {
  auto g = make_generator(small("unet_128", "batch"));
  StateDict state = to_reference_names(*g, g->reference_module_names());
  state.erase(state.begin());                                   // a missing key
  state.emplace_back("model.extra.weight", torch::zeros({1}));  // an unexpected key
  state[2].second = torch::zeros({2, 2});                       // a shape mismatch
  const std::string changed = state[2].first;
  const auto before = g->named_parameters()["block.up_conv.weight"].clone();

  const std::string message = runtime_error_message(
      [&] { load_reference_names(*g, g->reference_module_names(), state, "file.pth"); });
  EXPECT_NE(message.find("file.pth does not fit"), std::string::npos) << message;
  EXPECT_NE(message.find("missing keys: model.model.0.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("unexpected keys: model.extra.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("shape mismatches: " + changed + " (file [2, 2]"), std::string::npos)
      << message;
  EXPECT_TRUE(torch::equal(before, g->named_parameters()["block.up_conv.weight"]));
}

TEST(InteropTest, InfersSettingsFromNames) {
  for (const auto& config :
       {small("unet_256", "batch"), small("unet_128", "instance"), small("unet_128", "none"),
        small("resnet_9blocks", "batch", false), small("resnet_6blocks", "batch", true),
        small("resnet_6blocks", "instance", false)}) {
    auto g = make_generator(config);
    const GeneratorConfig found =
        infer_generator_config(to_reference_names(*g, g->reference_module_names()), "test");
    EXPECT_EQ(found.arch, config.arch);
    EXPECT_EQ(found.norm, config.norm) << config.arch;
    EXPECT_EQ(found.ngf, 4);
    EXPECT_EQ(found.input_nc, 3);
    EXPECT_EQ(found.output_nc, 3);
    if (config.arch.rfind("resnet", 0) == 0) {
      EXPECT_EQ(found.use_dropout, config.use_dropout) << config.arch << " " << config.norm;
    }
  }
  StateDict other{{"fc.weight", torch::zeros({2, 2})}};
  EXPECT_NE(runtime_error_message([&] {
              infer_generator_config(other, "x.pth");
            }).find("x.pth is not a generator"),
            std::string::npos);
}

TEST(InteropTest, DropsLegacyInstanceNormStatistics) {
  StateDict state{{"model.1.weight", torch::zeros({4, 3, 7, 7})},
                  {"model.2.running_mean", torch::zeros({4})},
                  {"model.2.running_var", torch::ones({4})},
                  {"model.5.weight", torch::ones({4})},
                  {"model.5.running_mean", torch::zeros({4})}};
  EXPECT_EQ(drop_instance_norm_statistics(state), 2);
  ASSERT_EQ(state.size(), 3u);
  EXPECT_EQ(state[2].first, "model.5.running_mean");  // a batch norm's, kept
}

TEST(InteropTest, CheckpointHoldsTheGeneratorUnderG) {
  const fs::path file = temp_folder("checkpoint") / "latest.pt";
  auto a = make_generator(small("unet_128", "batch"));
  init_weights(*a, "normal", 0.3);
  save_generator_checkpoint(*a, file);

  auto b = make_generator(small("unet_128", "batch"));
  load_generator_checkpoint(*b, file);
  for (const auto& item : a->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), b->named_parameters()[item.key()])) << item.key();
  }
  torch::serialize::InputArchive archive;
  archive.load_from(file.string());
  torch::serialize::InputArchive g_archive;
  EXPECT_TRUE(archive.try_read("G", g_archive));

  auto wider = make_generator([] {
    auto config = small("unet_128", "batch");
    config.ngf = 8;
    return config;
  }());
  const std::string message =
      runtime_error_message([&] { load_generator_checkpoint(*wider, file); });
  EXPECT_NE(message.find("does not fit the network settings"), std::string::npos) << message;
  const int64_t ngf = small("unet_128", "batch").ngf;
  EXPECT_NE(message.find("ngf is " + std::to_string(ngf) + " in the file, 8 in the settings"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("input_nc is"), std::string::npos) << message;
}

TEST(InteropTest, ImportWritesARunThatExportReproduces) {
  const fs::path folder = temp_folder("import");
  auto reference = make_generator(small("resnet_6blocks", "batch", false));
  init_weights(*reference, "normal", 0.1);
  const StateDict state = to_reference_names(*reference, reference->reference_module_names());
  write_state_dict(state, folder / "latest_net_G.pth");

  ResolvedOptions options;
  options.values.name = "imported";
  options.values.checkpoints_dir = (folder / "runs").string();
  const fs::path run = import_generator(folder / "latest_net_G.pth", options);
  EXPECT_EQ(run, folder / "runs" / "imported");
  std::ifstream yaml(run / "options.yaml");
  const std::string text((std::istreambuf_iterator<char>(yaml)), {});
  EXPECT_NE(text.find("netG: resnet_6blocks"), std::string::npos) << text;
  EXPECT_NE(text.find("ngf: 4"), std::string::npos) << text;
  EXPECT_NE(text.find("no_dropout: true"), std::string::npos) << text;

  // a second import into the same run needs overwrite
  EXPECT_NE(runtime_error_message([&] {
              import_generator(folder / "latest_net_G.pth", options);
            }).find("--overwrite"),
            std::string::npos);

  export_generator(run, "latest", folder / "exported.pth");
  const StateDict back = read_state_dict(folder / "exported.pth");
  ASSERT_EQ(back.size(), state.size());
  for (size_t i = 0; i < state.size(); ++i) {
    EXPECT_EQ(back[i].first, state[i].first);
    EXPECT_TRUE(torch::equal(back[i].second, state[i].second)) << state[i].first;
  }
}

TEST(InteropTest, ImportChecksGivenSettings) {
  const fs::path folder = temp_folder("import_check");
  auto g = make_generator(small("unet_128", "instance"));
  write_state_dict(to_reference_names(*g, g->reference_module_names()), folder / "g.pth");
  ResolvedOptions options;
  options.values.checkpoints_dir = folder.string();
  options.values.ngf = 64;
  options.sources["ngf"] = OptionSource::CommandLine;
  EXPECT_NE(runtime_error_message([&] {
              import_generator(folder / "g.pth", options);
            }).find("ngf 64 was asked for, but"),
            std::string::npos);
}

}  // namespace
}  // namespace pix2pix
