using System.CommandLine;
using System.Globalization;
using PrecisionAnalyzers.Cli.Output;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Planning;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary><c>precision embed PATH --text T …</c>: sentence embeddings from a sentence-transformers folder, in the planned dtype.</summary>
internal static class EmbedCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("path") { Description = "A sentence-transformers folder (modules.json, config.json, safetensors weights, vocab)." };
        var texts = new Option<string[]>("--text") { Description = "A text to embed; repeat for more.", AllowMultipleArgumentsPerToken = false };
        var file = new Option<string?>("--file") { Description = "A file of texts, one per line (empty lines skipped)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per batch.", DefaultValueFactory = _ => 32 };
        var dtype = CommonOptions.Dtype();
        var device = CommonOptions.Device();
        var quantize = CommonOptions.Quantize();
        var strict = CommonOptions.Strict();
        var json = CommonOptions.Json();
        var threads = CommonOptions.Threads();
        var command = new Command("embed", "Embed texts with a sentence-transformers model in the planned dtype.") { path, texts, file, batchSize, dtype, device, quantize, strict, json, threads };
        command.SetAction((parse, cancellationToken) =>
        {
            var all = new List<string>(parse.GetValue(texts) ?? []);
            if (parse.GetValue(file) is { } list)
            {
                all.AddRange(BoundedText.ReadLines(list, "--file"));
            }

            if (all.Count == 0)
            {
                throw new BadInputException("Give at least one text: --text \"...\" (repeatable) or --file FILE.");
            }

            if (parse.GetValue(batchSize) < 1)
            {
                throw new BadInputException($"--batch-size must be at least 1 (got {parse.GetValue(batchSize)}).");
            }

            var folder = parse.GetRequiredValue(path);
            if (!Directory.Exists(folder))
            {
                throw new BadInputException($"{folder} is not a folder. Give a sentence-transformers model folder.");
            }

            if (CommonOptions.ParseQuantization(parse.GetRequiredValue(quantize)) is WeightQuantization.Int8 or WeightQuantization.Int4)
            {
                throw new BadInputException($"--quantize {parse.GetRequiredValue(quantize)}: sentence encoders are not quantized (weight-only quantization covers decoder models); use none, or auto, which never quantizes an encoder.");
            }

            var options = new LoadOptions
            {
                Dtype = CommonOptions.ParseDtype(parse.GetRequiredValue(dtype)),
                Device = CommonOptions.ValidateDevice(parse.GetRequiredValue(device)),
                Strict = parse.GetValue(strict),
                Quantization = CommonOptions.ParseQuantization(parse.GetRequiredValue(quantize)),
                Threads = CommonOptions.ParseThreads(parse.GetValue(threads)),
            };
            SentenceEncoder encoder;
            try
            {
                encoder = SentenceEncoder.Load(folder, options, cancellationToken: cancellationToken);
            }
            catch (SentenceModelException e)
            {
                throw new BadInputException(e.Message, e);
            }
            catch (PrecisionException e)
            {
                console.Error.WriteLine("error: " + e.Message);
                return Task.FromResult(ExitCodes.CannotRun);
            }

            using (encoder)
            {
                var embedded = encoder.Embed(all, parse.GetValue(batchSize), cancellationToken: cancellationToken);
                var embeddings = embedded.Embeddings;
                var warnings = encoder.Warnings.Concat(embedded.Warnings).Select(WarningJson.From).ToArray();
                if (parse.GetValue(json))
                {
                    CliJson.Write(console.Output, new EmbedJson(encoder.Dimension, embeddings, DtypeRules.Name(encoder.Dtype), encoder.Device, warnings, embedded.Truncated.Select(TruncationJson.From).ToArray()));
                }
                else
                {
                    console.Human.MarkupLine($"[grey]{embeddings.Length} texts, dimension {encoder.Dimension}, {DtypeRules.Name(encoder.Dtype)} on {Markup.Escape(encoder.Device)}[/]");
                    foreach (var warning in warnings)
                    {
                        console.Human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
                    }

                    for (var i = 0; i < embeddings.Length; i++)
                    {
                        var head = string.Join(", ", embeddings[i].Take(6).Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)));
                        var norm = Math.Sqrt(embeddings[i].Sum(v => (double)v * v));
                        console.Human.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"[{head}, …] |e|={norm:0.000}  {Shorten(all[i])}")));
                    }
                }
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
