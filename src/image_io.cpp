#include "pix2pix/image_io.h"

#include <spdlog/spdlog.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>

#include "pix2pix/build_config.h"
#ifdef PIX2PIX_HAVE_TURBOJPEG
#include <turbojpeg.h>
#endif

namespace fs = std::filesystem;

namespace pix2pix {
namespace {

// Alpha is dropped silently after the first warning of the process: one line, not thousands.
std::atomic<bool> g_alpha_warned{false};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // one stat per read: this is the hot path
  if (!fs::exists(status)) {
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
      throw std::runtime_error("image " + path + " is a symbolic link to " +
                               fs::read_symlink(path, ec).string() +
                               ", which does not exist: fix or remove the link");
    }
    throw std::runtime_error("image not found: " + path);
  }
  if (fs::is_directory(status)) {
    throw std::runtime_error("expected an image file, found a folder: " + path);
  }
  if (!fs::is_regular_file(status)) {  // a FIFO would block the reader; a device never ends
    throw std::runtime_error("image " + path +
                             " is not a regular file (a pipe, socket or device): remove it from "
                             "the image folder");
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open image " + path + ": check its permissions");
  const std::streamsize size = in.tellg();
  if (size <= 0) throw std::runtime_error("image " + path + " is empty (0 bytes)");
  std::vector<unsigned char> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw std::runtime_error("cannot read image " + path + ": read failed");
  }
  return bytes;
}

bool is_jpeg(const std::vector<unsigned char>& b) {
  return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}

// A JPEG is complete when its last end-of-image marker follows its last start-of-scan marker.
// Inside entropy-coded data 0xFF is always stuffed, so neither marker can appear by accident;
// an EXIF thumbnail's markers come before the main image's scans.
bool jpeg_is_complete(const std::vector<unsigned char>& b) {
  size_t last_sos = 0, last_eoi = 0;
  bool has_sos = false, has_eoi = false;
  for (size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i] != 0xFF) continue;
    if (b[i + 1] == 0xDA) last_sos = i, has_sos = true;
    if (b[i + 1] == 0xD9) last_eoi = i, has_eoi = true;
  }
  return has_sos && has_eoi && last_eoi > last_sos;
}

uint16_t read_u16(const unsigned char* p, bool little) {
  return little ? static_cast<uint16_t>(p[0] | (p[1] << 8))
                : static_cast<uint16_t>((p[0] << 8) | p[1]);
}

uint32_t read_u32(const unsigned char* p, bool little) {
  return little ? (uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
                   (uint32_t(p[3]) << 24))
                : ((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) |
                   uint32_t(p[3]));
}

// The EXIF orientation tag (1-8) of a JPEG, or 1 when it has none. The image is decoded with
// IMREAD_UNCHANGED to see its alpha channel, and OpenCV applies no orientation in that mode.
int jpeg_exif_orientation(const std::vector<unsigned char>& b) {
  size_t i = 2;
  while (i + 4 <= b.size() && b[i] == 0xFF) {
    const unsigned char marker = b[i + 1];
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan: no metadata after it
    const size_t length = (size_t(b[i + 2]) << 8) | b[i + 3];
    const size_t start = i + 4, end = i + 2 + length;
    if (length < 2 || end > b.size()) break;
    if (marker == 0xE1 && length >= 16 &&
        std::equal(b.begin() + start, b.begin() + start + 6, "Exif\0\0")) {
      const unsigned char* tiff = b.data() + start + 6;
      const size_t tiff_size = end - start - 6;
      const bool little = tiff[0] == 'I' && tiff[1] == 'I';
      if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 1;
      const uint32_t ifd = read_u32(tiff + 4, little);
      if (ifd + 2 > tiff_size) return 1;
      const uint16_t n_entries = read_u16(tiff + ifd, little);
      for (uint16_t e = 0; e < n_entries; ++e) {
        const size_t entry = ifd + 2 + size_t(e) * 12;
        if (entry + 12 > tiff_size) return 1;
        if (read_u16(tiff + entry, little) == 0x0112) {
          const int value = read_u16(tiff + entry + 8, little);
          return value >= 1 && value <= 8 ? value : 1;
        }
      }
      return 1;
    }
    i = end;
  }
  return 1;
}

cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(image, out, 1);
      return out;
    case 3:
      cv::flip(image, out, -1);
      return out;
    case 4:
      cv::flip(image, out, 0);
      return out;
    case 5:
      cv::transpose(image, out);
      return out;
    case 6:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 7:
      cv::transpose(image, out);
      cv::flip(out, out, -1);
      return out;
    case 8:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return image;
  }
}

#ifdef PIX2PIX_HAVE_TURBOJPEG
// One TurboJPEG decompressor per thread: a handle may not be shared between threads.
class TurboDecoder {
 public:
  TurboDecoder() : handle_(tjInitDecompress()) {}
  ~TurboDecoder() {
    if (handle_ != nullptr) tjDestroy(handle_);
  }
  TurboDecoder(const TurboDecoder&) = delete;
  TurboDecoder& operator=(const TurboDecoder&) = delete;

  // Decodes straight into BGR or gray, the layout OpenCV's decoder gives, with the same
  // accurate DCT and smooth chroma upsampling (libjpeg's defaults), so the pixels are the same.
  // An empty Mat when TurboJPEG cannot or will not: CMYK, a size beyond OpenCV's limits, or
  // corrupt data, which libjpeg reports as a warning (TurboJPEG stops at the first one and
  // `warning` gets its text); the caller then decodes with OpenCV, or refuses the file.
  cv::Mat decode(const std::vector<unsigned char>& bytes, std::string* warning) {
    if (handle_ == nullptr) return {};
    int width = 0, height = 0, subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(handle_, bytes.data(), static_cast<unsigned long>(bytes.size()), &width,
                            &height, &subsampling, &colorspace) != 0) {
      return {};
    }
    // OpenCV's own limits (CV_IO_MAX_IMAGE_WIDTH, CV_IO_MAX_IMAGE_PIXELS): a header that claims
    // more is left to OpenCV, which refuses it at once instead of allocating it
    if (width <= 0 || height <= 0 || width > (1 << 20) || height > (1 << 20) ||
        int64_t(width) * height > (int64_t(1) << 30)) {
      return {};
    }
    int format = 0;
    cv::Mat image;
    if (colorspace == TJCS_GRAY) {
      format = TJPF_GRAY;
      image.create(height, width, CV_8UC1);
    } else if (colorspace == TJCS_YCbCr || colorspace == TJCS_RGB) {
      format = TJPF_BGR;
      image.create(height, width, CV_8UC3);
    } else {
      return {};
    }
    if (tjDecompress2(handle_, bytes.data(), static_cast<unsigned long>(bytes.size()), image.data,
                      width, static_cast<int>(image.step), height, format,
                      TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING) != 0) {
      if (warning != nullptr && tjGetErrorCode(handle_) == TJERR_WARNING) {
        *warning = tjGetErrorStr2(handle_);
      }
      return {};
    }
    return image;
  }

 private:
  tjhandle handle_;
};

#endif

// byte value -> float in [-1, 1]
const cv::Mat& byte_table() {
  static const cv::Mat table = [] {
    cv::Mat t(1, 256, CV_32F);
    for (int v = 0; v < 256; ++v) t.at<float>(v) = float(v) / 127.5f - 1.0f;
    return t;
  }();
  return table;
}

const std::set<std::string>& image_extensions() {
  static const std::set<std::string> extensions{".jpg", ".jpeg", ".png",  ".bmp",
                                                ".ppm", ".tif",  ".tiff", ".webp"};
  return extensions;
}

}  // namespace

cv::Mat decode_jpeg_with_turbojpeg(const std::vector<unsigned char>& bytes, std::string* warning) {
#ifdef PIX2PIX_HAVE_TURBOJPEG
  thread_local TurboDecoder decoder;
  return decoder.decode(bytes, warning);
#else
  (void)bytes;
  (void)warning;
  return {};
#endif
}

std::string jpeg_decoder() {
#ifdef PIX2PIX_HAVE_TURBOJPEG
  return "TurboJPEG";
#else
  return "OpenCV";
#endif
}

bool is_image_file(const std::string& path) {
  return image_extensions().count(lower(fs::path(path).extension().string())) > 0;
}

cv::Mat read_image(const std::string& path, int* exif_orientation) {
  const std::vector<unsigned char> bytes = read_bytes(path);
  const bool jpeg = is_jpeg(bytes);
  if (jpeg && !jpeg_is_complete(bytes)) {
    throw std::runtime_error("image " + path +
                             " is a truncated JPEG (its image data is missing, or does not end in "
                             "an end-of-image marker): copy or download it again");
  }

  cv::Mat image;
  std::string warning;
  try {
    if (jpeg) image = decode_jpeg_with_turbojpeg(bytes, &warning);
    if (!warning.empty()) {
      // OpenCV would decode it anyway, with libjpeg's complaint on stderr and no file name
      throw std::runtime_error("image " + path + " is a corrupt JPEG (libjpeg: " + warning +
                               "): copy it again, or re-save it from a program that opens it");
    }
    if (image.empty()) image = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot decode image " + path + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throw std::runtime_error("cannot decode image " + path + ": not enough memory for its " +
                             "pixels (is its header's size right?)");
  }
  if (image.empty()) {
    throw std::runtime_error("cannot decode image " + path +
                             ": not an image OpenCV reads, or a corrupt file");
  }

  // depth: 8-bit and 16-bit pass; anything else is refused rather than guessed at
  if (image.depth() != CV_8U && image.depth() != CV_16U) {
    throw std::runtime_error("image " + path + " has an unsupported pixel depth (OpenCV type " +
                             std::to_string(image.type()) + "); use 8-bit or 16-bit images");
  }

  // channels: 1 or 3; alpha dropped
  if (image.channels() == 2 || image.channels() == 4) {
    if (!g_alpha_warned.exchange(true)) {
      spdlog::warn("image {} has an alpha channel; it is dropped (this is said once)", path);
    }
    cv::Mat no_alpha;
    if (image.channels() == 4) {
      cv::cvtColor(image, no_alpha, cv::COLOR_BGRA2BGR);
    } else {
      cv::extractChannel(image, no_alpha, 0);
    }
    image = no_alpha;
  } else if (image.channels() != 1 && image.channels() != 3) {
    throw std::runtime_error("image " + path + " has " + std::to_string(image.channels()) +
                             " channels; expected 1 (gray), 3 (colour) or 4 (with alpha)");
  }

  const int orientation = jpeg ? jpeg_exif_orientation(bytes) : 1;
  if (exif_orientation != nullptr) *exif_orientation = orientation;
  return apply_orientation(image, orientation);
}

torch::Tensor image_to_tensor(const cv::Mat& image, int channels) {
  if (image.empty()) throw std::invalid_argument("image_to_tensor: empty image");
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("image_to_tensor: channels must be 1 or 3, got " +
                                std::to_string(channels));
  }
  if (image.channels() != 1 && image.channels() != 3) {
    throw std::invalid_argument("image_to_tensor: image has " + std::to_string(image.channels()) +
                                " channels; expected 1 or 3");
  }

  // 8-bit colour, the common case: BGR -> RGB planes in [-1, 1] in one pass
  const int height = image.rows, width = image.cols;
  torch::Tensor tensor = torch::empty({channels, height, width}, torch::kFloat32);
  if (image.depth() == CV_8U && image.channels() == 3 && channels == 3) {
    const float* table = byte_table().ptr<float>();
    float* r = tensor.data_ptr<float>();
    float* g = r + size_t(height) * width;
    float* b = g + size_t(height) * width;
    for (int y = 0; y < height; ++y) {
      const uchar* p = image.ptr<uchar>(y);
      for (int x = 0; x < width; ++x, p += 3) {
        *b++ = table[p[0]];
        *g++ = table[p[1]];
        *r++ = table[p[2]];
      }
    }
    return tensor;
  }

  // colour conversion in the image's own depth: to and from gray, 16-bit BGR -> RGB
  cv::Mat converted;
  if (channels == 1 && image.channels() == 3) {
    cv::cvtColor(image, converted, cv::COLOR_BGR2GRAY);
  } else if (channels == 3 && image.channels() == 1) {
    cv::cvtColor(image, converted, cv::COLOR_GRAY2RGB);
  } else if (channels == 3) {
    cv::cvtColor(image, converted, cv::COLOR_BGR2RGB);
  } else {
    converted = image;
  }

  // HWC -> CHW, one plane at a time, scaled to [-1, 1]; 8-bit through a table that maps
  // 0 and 255 to exactly -1 and 1 (a multiply by 2/255 gives 1.0000002)
  std::vector<cv::Mat> planes;
  cv::split(converted, planes);
  for (int c = 0; c < channels; ++c) {
    cv::Mat plane(height, width, CV_32F, tensor[c].data_ptr<float>());
    if (converted.depth() == CV_8U) {
      cv::LUT(planes[c], byte_table(), plane);
    } else {
      planes[c].convertTo(plane, CV_32F, 2.0 / 65535.0, -1.0);
      cv::min(plane, 1.0, plane);
    }
  }
  return tensor;
}

cv::Mat tensor_to_image(const torch::Tensor& input) {
  torch::Tensor tensor = input.detach();
  if (tensor.dim() == 4 && tensor.size(0) == 1) tensor = tensor[0];
  if (tensor.dim() != 3 || (tensor.size(0) != 1 && tensor.size(0) != 3)) {
    throw std::invalid_argument("tensor_to_image expects [C, H, W] with C 1 or 3, got " +
                                std::string(c10::str(tensor.sizes())));
  }
  // [C, H, W] in [-1, 1] -> [H, W, C] bytes
  tensor = ((tensor.to(torch::kCPU, torch::kFloat32).clamp(-1, 1) + 1) * 127.5)
               .round()
               .to(torch::kUInt8)
               .permute({1, 2, 0})
               .contiguous();
  const int channels = static_cast<int>(tensor.size(2));
  cv::Mat view(static_cast<int>(tensor.size(0)), static_cast<int>(tensor.size(1)), CV_8UC(channels),
               tensor.data_ptr<uint8_t>());
  cv::Mat image;
  if (channels == 3) {
    cv::cvtColor(view, image, cv::COLOR_RGB2BGR);
  } else {
    image = view.clone();
  }
  return image;
}

void write_image(const std::string& path, const cv::Mat& image) {
  if (image.empty()) throw std::invalid_argument("write_image: empty image for " + path);
  const fs::path target(path);
  const std::string extension = lower(target.extension().string());
  if (image_extensions().count(extension) == 0) {
    throw std::invalid_argument("cannot write image " + path + ": unknown extension '" + extension +
                                "' (use .png, .jpg, .bmp, .tif or .webp)");
  }

  std::vector<unsigned char> bytes;
  try {
    if (!cv::imencode(extension, image, bytes)) {
      throw std::runtime_error("the encoder refused it");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot encode image " + path + ": " + e.what());
  }

  // write beside the target under a hidden name (list_images skips it), then rename
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) {
    throw std::runtime_error("cannot create folder " + target.parent_path().string() + ": " +
                             ec.message());
  }
  std::random_device random;
  const fs::path temp = target.parent_path() / ("." + target.stem().string() + ".tmp" +
                                                std::to_string(random()) + extension);
  {
    std::ofstream out(temp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      throw std::runtime_error("cannot write image " + path + ": disk full or no permission");
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw std::runtime_error("cannot move the written image into place at " + path + ": " +
                             ec.message());
  }
}

std::vector<std::string> list_images(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw std::runtime_error("image folder not found: " + folder);
  }
  std::vector<std::string> paths;
  // A linked folder inside the tree is listed under its own path only, and one outside it once:
  // a link back up the tree (or a second link to the same folder) would list the same images
  // again and again.
  const fs::path root = fs::canonical(folder, ec);
  std::set<fs::path> seen;
  const auto options = fs::directory_options::follow_directory_symlink |
                       fs::directory_options::skip_permission_denied;
  for (auto it = fs::recursive_directory_iterator(folder, options, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code entry_ec;
    const bool is_folder = it->is_directory(entry_ec);
    if (!name.empty() && name[0] == '.') {
      if (is_folder) it.disable_recursion_pending();
      continue;  // hidden files and folders, including write_image's temporaries
    }
    if (is_folder) {
      if (it->is_symlink(entry_ec)) {
        const fs::path target = fs::canonical(it->path(), entry_ec);
        const fs::path relative = target.lexically_relative(root);
        const bool inside = !relative.empty() && *relative.begin() != "..";
        if (inside || !seen.insert(target).second) {
          spdlog::warn("{} links to {}, whose images are listed already; not listed again",
                       it->path().string(), target.string());
          it.disable_recursion_pending();
        }
      }
      continue;
    }
    // Not only regular files: a broken link or a pipe with an image's name is listed, so that
    // reading it fails by name instead of the file going missing without a word.
    if (is_image_file(name)) paths.push_back(it->path().string());
  }
  if (ec) throw std::runtime_error("cannot list folder " + folder + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace pix2pix
