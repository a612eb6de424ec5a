using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// Follows a value to the dtypes it can hold (<see cref="DtypeValues"/>): TorchSharp's <c>ScalarType.X</c> and
/// <c>torch.float16</c>-style fields, the runtime's <c>DType.X</c>; through locals (every value the method gives them),
/// conditionals and switch expressions (every branch), <c>??</c>, casts, object initializers and <c>with</c> expressions
/// (<c>options.Dtype</c>), fields and properties of the same type (their initializers and every assignment in the type),
/// one call into a method of the same file (its return values), and configuration text parsed into a dtype
/// (<c>Enum.Parse&lt;ScalarType&gt;(config.GetValue("dtype", "float16"))</c>: the default text is what runs unless configured).
/// Everything else is <see cref="DtypeValues.Unknown"/>. The walk is bounded in depth, and stays in the file it starts in.
/// </summary>
internal sealed class DtypeFlow
{
    private const int MaxDepth = 4;

    private readonly PrecisionContext _precision;
    private readonly HashSet<ISymbol> _visiting = new(SymbolEqualityComparer.Default);

    private DtypeFlow(PrecisionContext precision) => _precision = precision;

    public static DtypeValues Evaluate(IOperation value, PrecisionContext precision) => new DtypeFlow(precision).Value(value, 0);

    private DtypeValues Value(IOperation? operation, int depth)
    {
        operation = Unwrap(operation);
        if (operation is null || depth > MaxDepth)
        {
            return DtypeValues.Unknown;
        }

        switch (operation)
        {
            case IFieldReferenceOperation field when Named(field.Field) is { } name:
                return DtypeValues.Of(name);
            case IFieldReferenceOperation field:
                return Member(field.Field, field.Instance, operation, depth);
            case IPropertyReferenceOperation property:
                return Member(property.Property, property.Instance, operation, depth);
            case ILocalReferenceOperation local:
                return Local(local.Local, operation, depth);
            case IConditionalOperation conditional:
                return Value(conditional.WhenTrue, depth + 1).Union(Value(conditional.WhenFalse, depth + 1));
            case ISwitchExpressionOperation switchExpression:
                return switchExpression.Arms.Aggregate(DtypeValues.None, (all, arm) => all.Union(Value(arm.Value, depth + 1)));
            case ICoalesceOperation coalesce:
                return Value(coalesce.Value, depth + 1).Union(Value(coalesce.WhenNull, depth + 1));
            case IInvocationOperation invocation when IsEnumParse(invocation) is { } parsed:
                return Parsed(parsed, depth);
            case IInvocationOperation invocation:
                return Returned(invocation.TargetMethod, operation, depth);
            default:
                return operation.ConstantValue is { HasValue: true, Value: null } ? DtypeValues.None : DtypeValues.Unknown;
        }
    }

    /// <summary>The dtype a field names when it is one: a <c>ScalarType</c>/<c>DType</c> member, or <c>torch.float16</c> and its kin.</summary>
    private string? Named(IFieldSymbol field)
    {
        if (SymbolEqualityComparer.Default.Equals(field.ContainingType, _precision.TorchScalarType) || SymbolEqualityComparer.Default.Equals(field.ContainingType, _precision.DType))
        {
            return field.Name;
        }

        return SymbolEqualityComparer.Default.Equals(field.ContainingType, _precision.TorchStatic) && field.IsStatic
            ? field.Name switch
            {
                "float16" or "half" => "Float16",
                "bfloat16" => "BFloat16",
                "float32" or "float" => "Float32",
                "float64" or "double" => "Float64",
                _ => null,
            }
            : null;
    }

    /// <summary>A local: the union of every value the method gives it (initializer, assignments, <c>out</c> of <c>Enum.TryParse</c>).</summary>
    private DtypeValues Local(ILocalSymbol local, IOperation at, int depth)
    {
        if (!_visiting.Add(local))
        {
            return DtypeValues.None;
        }

        var result = DtypeValues.None;
        var given = false;
        foreach (var operation in OperationTree.Root(at).Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) && declarator.Initializer is { } initializer:
                    given = true;
                    result = result.Union(Value(initializer.Value, depth + 1));
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    given = true;
                    result = result.Union(Value(assignment.Value, depth + 1));
                    break;
                case IArgumentOperation { Parameter.RefKind: not RefKind.None } argument when RefersTo(argument.Value, local):
                    given = true;
                    result = result.Union(argument.Parent is IInvocationOperation call && IsEnumParse(call) is { } parsed ? Parsed(parsed, depth) : DtypeValues.Unknown);
                    break;
            }
        }

        _visiting.Remove(local);
        return given ? result : DtypeValues.Unknown;
    }

    /// <summary>
    /// A field or property: for an object built in this method (a local), its initializer, <c>with</c> and the assignments the
    /// method makes; for one of this file's types (static, or read through <c>this</c>), its initializer and every assignment
    /// the type makes.
    /// </summary>
    private DtypeValues Member(ISymbol member, IOperation? instance, IOperation at, int depth)
    {
        instance = Unwrap(instance);
        if (instance is ILocalReferenceOperation owner)
        {
            return ObjectMember(owner.Local, member, at, depth);
        }

        if (instance is not (null or IInstanceReferenceOperation) || !_visiting.Add(member))
        {
            return DtypeValues.Unknown;
        }

        try
        {
            return TypeMember(member, at, depth);
        }
        finally
        {
            _visiting.Remove(member);
        }
    }

    private DtypeValues ObjectMember(ILocalSymbol owner, ISymbol member, IOperation at, int depth)
    {
        var result = DtypeValues.None;
        var given = false;
        foreach (var operation in OperationTree.Root(at).Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, owner):
                    var initial = Unwrap(declarator.Initializer?.Value);
                    var initializer = initial switch
                    {
                        IObjectCreationOperation creation => creation.Initializer,
                        IWithOperation with => with.Initializer,
                        _ => null,
                    };
                    if (initial is not IObjectCreationOperation && initializer is null)
                    {
                        return DtypeValues.Unknown; // the object comes from elsewhere
                    }

                    foreach (var assignment in initializer?.Initializers.OfType<ISimpleAssignmentOperation>() ?? [])
                    {
                        if (Targets(assignment.Target, member))
                        {
                            given = true;
                            result = result.Union(Value(assignment.Value, depth + 1));
                        }
                    }

                    break;
                case ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Instance: var target } reference } assignment
                    when RefersTo(target, owner) && Targets(reference, member):
                    given = true;
                    result = result.Union(Value(assignment.Value, depth + 1));
                    break;
            }
        }

        return given ? result : DtypeValues.Unknown;
    }

    private DtypeValues TypeMember(ISymbol member, IOperation at, int depth)
    {
        var model = at.SemanticModel;
        var tree = at.Syntax.SyntaxTree;
        var declaration = member.DeclaringSyntaxReferences.FirstOrDefault(r => r.SyntaxTree == tree)?.GetSyntax();
        if (model is null || declaration is null || declaration.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type)
        {
            return DtypeValues.Unknown;
        }

        var result = DtypeValues.None;
        var given = false;
        var initial = declaration switch
        {
            VariableDeclaratorSyntax { Initializer.Value: var value } => value,
            PropertyDeclarationSyntax { Initializer.Value: var value } => value,
            PropertyDeclarationSyntax { ExpressionBody.Expression: var value } => value,
            _ => null,
        };
        if (initial is not null)
        {
            given = true;
            result = result.Union(Value(model.GetOperation(initial), depth + 1));
        }

        foreach (var assignment in type.DescendantNodes().OfType<AssignmentExpressionSyntax>())
        {
            if (SyntaxFilter.AssignedName(assignment) == member.Name && model.GetOperation(assignment) is ISimpleAssignmentOperation operation && Targets(operation.Target, member))
            {
                given = true;
                result = result.Union(Value(operation.Value, depth + 1));
            }
        }

        return given ? result : DtypeValues.Unknown;
    }

    /// <summary>One step beyond the method: a method of the same file, through its return values.</summary>
    private DtypeValues Returned(IMethodSymbol method, IOperation at, int depth)
    {
        var model = at.SemanticModel;
        var tree = at.Syntax.SyntaxTree;
        if (model is null || depth > 1 || method.IsVirtual || method.IsAbstract || !_visiting.Add(method)
            || method.DeclaringSyntaxReferences.FirstOrDefault(r => r.SyntaxTree == tree)?.GetSyntax() is not { } declaration)
        {
            return DtypeValues.Unknown;
        }

        try
        {
            var body = declaration switch
            {
                MethodDeclarationSyntax { Body: { } block } => (SyntaxNode)block,
                MethodDeclarationSyntax { ExpressionBody.Expression: { } expression } => expression,
                LocalFunctionStatementSyntax { Body: { } block } => block,
                LocalFunctionStatementSyntax { ExpressionBody.Expression: { } expression } => expression,
                _ => null,
            };
            if (body is null || model.GetOperation(body) is not { } operation)
            {
                return DtypeValues.Unknown;
            }

            if (body is ExpressionSyntax)
            {
                return Value(operation, depth + 1);
            }

            var returns = operation.DescendantsAndSelf().OfType<IReturnOperation>().Where(r => r.ReturnedValue is not null).ToList();
            return returns.Count == 0 ? DtypeValues.Unknown : returns.Aggregate(DtypeValues.None, (all, r) => all.Union(Value(r.ReturnedValue, depth + 1)));
        }
        finally
        {
            _visiting.Remove(method);
        }
    }

    /// <summary>The text argument of <c>Enum.Parse</c>/<c>TryParse</c> into <c>ScalarType</c> or <c>DType</c>, or null for another call.</summary>
    private IOperation? IsEnumParse(IInvocationOperation call)
    {
        var method = call.TargetMethod;
        if (method.Name is not ("Parse" or "TryParse") || method.ContainingType?.SpecialType != SpecialType.System_Enum)
        {
            return null;
        }

        var target = method.TypeArguments.FirstOrDefault()
            ?? call.Arguments.Select(a => Unwrap(a.Value)).OfType<ITypeOfOperation>().FirstOrDefault()?.TypeOperand;
        var isDtype = target is not null
            && (SymbolEqualityComparer.Default.Equals(target, _precision.TorchScalarType) || SymbolEqualityComparer.Default.Equals(target, _precision.DType));
        return isDtype ? call.Arguments.FirstOrDefault(a => a.Parameter?.Type.SpecialType == SpecialType.System_String)?.Value : null;
    }

    private DtypeValues Parsed(IOperation text, int depth)
    {
        var texts = Strings(text, depth + 1);
        var result = DtypeValues.None;
        foreach (var value in texts)
        {
            result = result.Union(value is not null && DtypeValues.FromText(value) is { } name ? DtypeValues.Of(name) : DtypeValues.Unknown);
        }

        return texts.Count == 0 ? DtypeValues.Unknown : result;
    }

    /// <summary>
    /// The texts a string can hold; null stands for one the code does not show. A call given a literal that names a dtype
    /// (<c>config.GetValue("dtype", "float16")</c>, <c>Environment.GetEnvironmentVariable("DTYPE") ?? "fp16"</c>) holds that
    /// default.
    /// </summary>
    private List<string?> Strings(IOperation? operation, int depth)
    {
        operation = Unwrap(operation);
        if (operation is null || depth > MaxDepth + 2)
        {
            return [null];
        }

        if (operation.ConstantValue is { HasValue: true, Value: string constant })
        {
            return [constant];
        }

        switch (operation)
        {
            case ILocalReferenceOperation local:
            {
                var texts = new List<string?>();
                foreach (var given in OperationTree.Root(operation).Descendants())
                {
                    var value = given switch
                    {
                        IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local.Local) => declarator.Initializer?.Value,
                        ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local.Local) => assignment.Value,
                        _ => null,
                    };
                    if (value is not null && !ReferenceEquals(value, operation))
                    {
                        texts.AddRange(Strings(value, depth + 1));
                    }
                }

                return texts.Count == 0 ? [null] : texts;
            }

            case ICoalesceOperation coalesce:
            {
                // configured ?? "fp16": like a GetValue default, the fallback text is what runs unless configured.
                var fallback = Strings(coalesce.WhenNull, depth + 1);
                var configured = Strings(coalesce.Value, depth + 1);
                return fallback.Any(t => t is not null) ? configured.Where(t => t is not null).Concat(fallback).ToList() : configured.Concat(fallback).ToList();
            }
            case IConditionalOperation conditional:
                return Strings(conditional.WhenTrue, depth + 1).Concat(Strings(conditional.WhenFalse, depth + 1)).ToList();
            case IInvocationOperation call:
            {
                var defaults = call.Arguments
                    .Select(a => Unwrap(a.Value)?.ConstantValue is { HasValue: true, Value: string text } && DtypeValues.FromText(text) is not null ? text : null)
                    .Where(t => t is not null)
                    .ToList();
                return defaults.Count == 0 ? [null] : defaults;
            }

            default:
                return [null];
        }
    }

    private static bool Targets(IOperation target, ISymbol member) => target switch
    {
        IPropertyReferenceOperation p => SymbolEqualityComparer.Default.Equals(p.Property, member),
        IFieldReferenceOperation f => SymbolEqualityComparer.Default.Equals(f.Field, member),
        _ => false,
    };

    private static bool RefersTo(IOperation? operation, ILocalSymbol local) => Unwrap(operation) switch
    {
        ILocalReferenceOperation reference => SymbolEqualityComparer.Default.Equals(reference.Local, local),
        IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } => SymbolEqualityComparer.Default.Equals(declared.Local, local),
        _ => false,
    };

    /// <summary>Removes implicit conversions, casts and parentheses: <c>(ScalarType)x</c>, <c>DType</c> to <c>DType?</c>.</summary>
    private static IOperation? Unwrap(IOperation? operation)
    {
        while (operation is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
        }

        return operation;
    }
}
