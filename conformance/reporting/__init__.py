"""Reporting: summary.json, Allure results post-processing, HTML, requirement pages."""
