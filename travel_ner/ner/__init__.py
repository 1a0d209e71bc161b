"""The NER product: data, generator, tokenizer, pipeline components, prediction, scoring, serving."""
