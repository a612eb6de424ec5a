using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

public sealed class SpecialTokenConfigTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public SpecialTokenConfigTests() => TokenizerWriter.Write(_folder.Path, 512);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void EosListFromGenerationConfigAndConfigAreAllStopTokens()
    {
        // Llama 3 instruct style: several stop tokens in generation_config.json.
        _folder.Write("generation_config.json", """{ "bos_token_id": 509, "eos_token_id": [510, 7, 8] }""");
        _folder.Write("config.json", """{ "eos_token_id": 9, "pad_token_id": null }""");
        var special = CheckpointTokenizer.Load(_folder.Path).SpecialTokens;

        Assert.Equal(new[] { 510, 7, 8, 9 }, special.EosIds);
        Assert.Equal(510, special.EosId);
        Assert.True(special.IsStopToken(8));
        Assert.True(special.IsStopToken(9));
        Assert.False(special.IsStopToken(509));
    }

    [Fact]
    public void TextConfigOfAMultimodalCheckpointIsRead()
    {
        _folder.Write("config.json", """{ "text_config": { "eos_token_id": [1, 106] } }""");
        var special = CheckpointTokenizer.Load(_folder.Path).SpecialTokens;
        Assert.Equal(new[] { 1, 106, 510 }, special.EosIds);
        Assert.Equal(509, special.BosId); // config.json names no BOS: the tokenizer config's <bos> is kept
        Assert.Equal(511, special.PadId);
    }

    [Fact]
    public void AddBosFalseInTokenizerConfigIsHonoured()
    {
        _folder.Write("tokenizer_config.json", """{ "bos_token": "<bos>", "eos_token": "<eos>", "add_bos_token": false }""");
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);
        Assert.False(tokenizer.SpecialTokens.AddBos);
        Assert.Equal(new[] { (int)'h', (int)'i' }, tokenizer.Encode("hi"));
    }

    [Fact]
    public void SpecialTokensMapIsReadWhenTokenizerConfigIsAbsent()
    {
        File.Delete(Path.Combine(_folder.Path, "tokenizer_config.json"));
        _folder.Write("special_tokens_map.json", """{ "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>" }""");
        var special = CheckpointTokenizer.Load(_folder.Path).SpecialTokens;
        Assert.Equal(509, special.BosId);
        Assert.Equal(new[] { 510 }, special.EosIds);
        Assert.Equal(511, special.PadId);
        Assert.True(special.AddBos); // the TemplateProcessing post-processor of the written file starts with <bos>
    }
}
