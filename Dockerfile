# pix2pix on NVIDIA GPUs. The build stage runs the same scripts as CI (setup, build, bundle); the
# runtime stage holds only the bundled binary and its libraries, and runs as a non-root user.
#   docker build -t pix2pix .
#   docker run --gpus all -v "$PWD/data:/data" pix2pix train --dataroot /data/facades ...
ARG CUDA_IMAGE=nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04

FROM ${CUDA_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . /src
RUN scripts/setup.sh && scripts/build.sh && scripts/bundle.sh /opt/pix2pix

FROM ${CUDA_IMAGE} AS runtime
RUN useradd --create-home --uid 1000 pix2pix
COPY --from=build /opt/pix2pix /opt/pix2pix
COPY configs /opt/pix2pix/configs
ENV PATH=/opt/pix2pix/bin:$PATH
USER pix2pix
WORKDIR /work
ENTRYPOINT ["pix2pix"]
CMD ["--help"]
