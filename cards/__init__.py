"""Card templates (Jinja2); the files here ship inside the wheel as ``dataset_kit.card_templates``.

Copy ``news_articles.md.j2``, change it, and pass it to ``dataset-kit card --template``.
"""
