using System.Text;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Inputs;
using PrecisionAnalyzers.Runtime.Tests.Checkpoints;

namespace PrecisionAnalyzers.Runtime.Tests.Inputs;

/// <summary>Only regular files inside the model folder are read: each refusal names the file and the reason, and none blocks.</summary>
public sealed class FilePolicyTests : IDisposable
{
    private const string OneTensor = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
    private readonly ModelFolder _model = new();

    public void Dispose() => _model.Dispose();

    [Fact]
    public async Task A_fifo_named_model_safetensors_is_refused_without_blocking()
    {
        var fifo = _model.Fifo(Checkpoint.SingleFile);

        Assert.True(Checkpoint.Exists(_model.Path));
        var error = await ModelFolder.WithinAsync(() => Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_model.Path).Dispose()));

        Assert.Equal(SafetensorsRule.FilePolicy, error.Rule);
        Assert.Equal(fifo, error.FilePath);
        Assert.Contains("named pipe (FIFO)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_named_config_json_is_refused_without_blocking()
    {
        var fifo = _model.Fifo("config.json");

        var error = await ModelFolder.WithinAsync(() => Assert.Throws<ModelConfigException>(() => ModelConfig.Load(_model.Path)));

        Assert.StartsWith(fifo, error.Message, StringComparison.Ordinal);
        Assert.Contains("named pipe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifos_as_adapter_config_profile_and_generation_config_are_refused_without_blocking()
    {
        var adapterConfig = _model.Fifo(PeftAdapterFormat.ConfigFile);
        var profile = _model.Fifo("profile.json");
        var generation = _model.Fifo("generation_config.json");

        var adapter = await ModelFolder.WithinAsync(() => Assert.Throws<AdapterFormatException>(() => PeftAdapterFormat.ReadConfig(_model.Path, out _)));
        var hardware = await ModelFolder.WithinAsync(() => Assert.Throws<HardwareProfileException>(() => HardwareProfiles.Resolve(profile)));
        var defaults = await ModelFolder.WithinAsync(() => Assert.Throws<Runtime.Chat.ChatTemplateException>(() => Runtime.Chat.GenerationDefaults.Load(_model.Path)));

        Assert.Equal(adapterConfig, adapter.FilePath);
        Assert.Contains("named pipe", adapter.Message, StringComparison.Ordinal);
        Assert.Contains(profile, hardware.Message, StringComparison.Ordinal);
        Assert.Contains("named pipe", hardware.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(generation), defaults.Message, StringComparison.Ordinal);
        Assert.Contains("named pipe", defaults.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_as_a_training_checkpoint_state_is_refused_without_blocking()
    {
        var fifo = _model.Fifo(Runtime.Training.TrainingCheckpoint.StateFile);

        var error = await ModelFolder.WithinAsync(() => Assert.Throws<InvalidDataException>(() => Runtime.Training.TrainingCheckpoint.ReadState(_model.Path)));

        Assert.StartsWith(fifo, error.Message, StringComparison.Ordinal);
        Assert.Contains("named pipe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_with_a_key_twice_is_refused_naming_the_key()
    {
        var json = HardwareProfiles.A100.ToJson();
        var profile = _model.Outside("a100.json", json.Insert(json.IndexOf('{', StringComparison.Ordinal) + 1, "\"memoryBytes\": 1,"));

        var error = Assert.Throws<HardwareProfileException>(() => HardwareProfiles.Resolve(profile));

        Assert.StartsWith(profile, error.Message, StringComparison.Ordinal);
        Assert.Contains("'memoryBytes' twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sentence_transformers_configs_with_a_key_twice_are_refused_naming_file_and_key()
    {
        File.WriteAllText(_model.File(Runtime.Encoders.SentenceBertConfig.FileName), """{"max_seq_length":256,"max_seq_length":100000}""");

        var error = Assert.Throws<Runtime.Encoders.SentenceModelException>(() => Runtime.Encoders.SentenceBertConfig.Load(_model.Path));

        Assert.Equal(_model.File(Runtime.Encoders.SentenceBertConfig.FileName), error.Location);
        Assert.Contains("'max_seq_length' twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_is_refused_as_config_and_as_weights()
    {
        var config = await ModelFolder.WithinAsync(() => Assert.Throws<ModelConfigException>(() => ModelConfig.Load("/dev/zero")));
        var weights = await ModelFolder.WithinAsync(() => Assert.Throws<SafetensorsFormatException>(() => SafetensorsReader.Open("/dev/zero").Dispose()));

        Assert.Contains("is a device", config.Message, StringComparison.Ordinal);
        Assert.Equal(SafetensorsRule.FilePolicy, weights.Rule);
        Assert.Contains("is a device", weights.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_named_config_json_is_called_a_folder_not_missing()
    {
        Directory.CreateDirectory(_model.File("config.json"));

        var error = Assert.Throws<ModelConfigException>(() => ModelConfig.Load(_model.Path));

        Assert.Contains("is a folder, not a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dangling_symbolic_link_as_weights_names_the_link_and_its_missing_target()
    {
        var link = _model.Link(Checkpoint.SingleFile, "gone.safetensors");

        Assert.True(Checkpoint.Exists(_model.Path));
        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_model.Path).Dispose());

        Assert.Equal(link, error.FilePath);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Contains("gone.safetensors', which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weights_link_leaving_the_model_folder_is_refused_and_its_bytes_never_printed()
    {
        var secret = _model.Outside("passwd", "root:x:0:0:root:/root:/bin/bash\n");
        _model.Link(Checkpoint.SingleFile, secret);

        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_model.Path).Dispose());

        Assert.Equal(SafetensorsRule.FilePolicy, error.Rule);
        Assert.Contains("outside the model folder", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_link_leaving_the_model_folder_is_refused()
    {
        var outside = RawSafetensors.Write(_model.Root, OneTensor, 8, name: "elsewhere.safetensors");
        _model.Link("model-00001-of-00001.safetensors", outside);
        File.WriteAllText(_model.File(Checkpoint.IndexFile), """{"weight_map":{"w":"model-00001-of-00001.safetensors"}}""");

        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_model.Path).Dispose());

        Assert.EndsWith("model-00001-of-00001.safetensors", error.FilePath, StringComparison.Ordinal);
        Assert.Contains("outside the model folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Links_inside_the_folder_and_the_hugging_face_cache_layout_are_followed()
    {
        Directory.CreateDirectory(_model.File("weights"));
        RawSafetensors.Write(_model.File("weights"), OneTensor, 8, name: "real.safetensors");
        _model.Link(Checkpoint.SingleFile, Path.Combine("weights", "real.safetensors"));
        using (var inside = Checkpoint.Open(_model.Path))
        {
            Assert.Equal(["w"], inside.Names);
        }

        // models--org--name/snapshots/REV/model.safetensors -> ../../blobs/HASH, as huggingface_hub lays out its cache.
        var repository = Directory.CreateDirectory(Path.Combine(_model.Root, "models--org--name")).FullName;
        var blobs = Directory.CreateDirectory(Path.Combine(repository, "blobs")).FullName;
        var snapshot = Directory.CreateDirectory(Path.Combine(repository, "snapshots", "abc123")).FullName;
        RawSafetensors.Write(blobs, OneTensor, 8, name: "5f1e2d");
        File.CreateSymbolicLink(Path.Combine(snapshot, Checkpoint.SingleFile), Path.Combine("..", "..", "blobs", "5f1e2d"));
        using var cached = Checkpoint.Open(snapshot);
        Assert.Equal(["w"], cached.Names);
    }

    [Fact]
    public void A_text_file_opened_as_safetensors_is_described_not_dumped()
    {
        var path = _model.Outside("passwd.safetensors", "root:x:0:0:root:/root:/bin/bash\n");
        var lengthFromText = BitConverter.ToUInt64(Encoding.ASCII.GetBytes("root:x:0"));

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Equal(SafetensorsRule.HeaderLength, error.Rule);
        Assert.DoesNotContain(lengthFromText.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a safetensors file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_larger_than_the_limit_is_refused_by_its_size_before_reading()
    {
        using (var stream = File.Create(_model.File("config.json")))
        {
            stream.SetLength(InputFile.MaxConfigBytes + 1); // sparse: no disk, and nothing to parse
        }

        var error = Assert.Throws<ModelConfigException>(() => ModelConfig.Load(_model.Path));

        Assert.Contains("more than the 16,777,216 allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_probe_tells_regular_files_from_fifos_devices_and_folders()
    {
        File.WriteAllText(_model.File("config.json"), ModelFolder.TinyLlama);
        var fifo = _model.Fifo("pipe");

        Assert.Equal(FileKind.RegularFile, FileKindProbe.Probe(_model.File("config.json")));
        Assert.Equal(FileKind.Fifo, FileKindProbe.Probe(fifo));
        Assert.Equal(FileKind.CharacterDevice, FileKindProbe.Probe("/dev/null"));
        Assert.Equal(FileKind.Folder, FileKindProbe.Probe(_model.Path));
        Assert.Equal(FileKind.Missing, FileKindProbe.Probe(_model.File("absent")));
    }
}
