"""What the numbers mean (insights.md): coverage, key players, map status, periods and KPIs."""
