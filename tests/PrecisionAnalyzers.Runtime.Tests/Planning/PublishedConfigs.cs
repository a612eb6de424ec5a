namespace PrecisionAnalyzers.Runtime.Tests.Planning;

/// <summary>
/// The size-determining keys of published checkpoints' config.json files, as published (key spellings included),
/// with the parameter counts those checkpoints report.
/// </summary>
internal static class PublishedConfigs
{
    public static readonly TheoryData<string, string, long> All = new()
    {
        { "meta-llama/Llama-2-7b-hf", """{"model_type":"llama","hidden_size":4096,"intermediate_size":11008,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":32,"vocab_size":32000,"torch_dtype":"float16","rms_norm_eps":1e-05,"tie_word_embeddings":false}""", 6_738_415_616 },
        { "meta-llama/Meta-Llama-3-8B", """{"model_type":"llama","hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"vocab_size":128256,"torch_dtype":"bfloat16","rope_theta":500000.0}""", 8_030_261_248 },
        { "mistralai/Mistral-7B-v0.1", """{"model_type":"mistral","hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"vocab_size":32000,"sliding_window":4096,"torch_dtype":"bfloat16"}""", 7_241_732_096 },
        { "Qwen/Qwen2-7B", """{"model_type":"qwen2","hidden_size":3584,"intermediate_size":18944,"num_hidden_layers":28,"num_attention_heads":28,"num_key_value_heads":4,"vocab_size":152064,"tie_word_embeddings":false,"use_sliding_window":false,"sliding_window":131072,"max_window_layers":28,"torch_dtype":"bfloat16"}""", 7_615_616_512 },
        { "Qwen/Qwen2-0.5B", """{"model_type":"qwen2","hidden_size":896,"intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,"num_key_value_heads":2,"vocab_size":151936,"tie_word_embeddings":true,"torch_dtype":"bfloat16"}""", 494_032_768 },
        { "google/gemma-2b", """{"model_type":"gemma","hidden_size":2048,"intermediate_size":16384,"num_hidden_layers":18,"num_attention_heads":8,"num_key_value_heads":1,"head_dim":256,"vocab_size":256000,"hidden_act":"gelu","torch_dtype":"bfloat16"}""", 2_506_172_416 },
        { "google/gemma-7b", """{"model_type":"gemma","hidden_size":3072,"intermediate_size":24576,"num_hidden_layers":28,"num_attention_heads":16,"num_key_value_heads":16,"head_dim":256,"vocab_size":256000,"torch_dtype":"bfloat16"}""", 8_537_680_896 },
        { "google/gemma-2-2b", """{"model_type":"gemma2","hidden_size":2304,"intermediate_size":9216,"num_hidden_layers":26,"num_attention_heads":8,"num_key_value_heads":4,"head_dim":256,"vocab_size":256000,"attn_logit_softcapping":50.0,"final_logit_softcapping":30.0,"query_pre_attn_scalar":256,"sliding_window":4096,"torch_dtype":"float32"}""", 2_614_341_888 },
        { "google/gemma-2-9b", """{"model_type":"gemma2","hidden_size":3584,"intermediate_size":14336,"num_hidden_layers":42,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"vocab_size":256000,"sliding_window":4096,"torch_dtype":"float32"}""", 9_241_705_984 },
        { "google/gemma-3-1b-it", """{"model_type":"gemma3_text","hidden_size":1152,"intermediate_size":6912,"num_hidden_layers":26,"num_attention_heads":4,"num_key_value_heads":1,"head_dim":256,"vocab_size":262144,"sliding_window":512,"sliding_window_pattern":6,"rope_theta":1000000,"rope_local_base_freq":10000,"torch_dtype":"bfloat16","use_cache":true}""", 999_885_952 },
        { "google/gemma-3-4b-it", """{"model_type":"gemma3","architectures":["Gemma3ForConditionalGeneration"],"torch_dtype":"bfloat16","text_config":{"model_type":"gemma3_text","hidden_size":2560,"intermediate_size":10240,"num_hidden_layers":34,"num_attention_heads":8,"num_key_value_heads":4,"head_dim":256,"vocab_size":262208,"sliding_window":1024,"rope_scaling":{"factor":8.0,"rope_type":"linear"}},"vision_config":{"model_type":"siglip_vision_model","hidden_size":1152,"image_size":896,"intermediate_size":4304,"num_attention_heads":16,"num_hidden_layers":27,"patch_size":14,"vision_use_head":false}}""", 4_300_079_472 },
        { "google-bert/bert-base-uncased", """{"model_type":"bert","hidden_size":768,"intermediate_size":3072,"num_hidden_layers":12,"num_attention_heads":12,"vocab_size":30522,"max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12,"hidden_act":"gelu"}""", 109_482_240 },
    };
}
